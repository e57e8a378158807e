package dev.turbo4j.cli;

import dev.turbo4j.core.model.ModelShape;
import dev.turbo4j.core.model.RandomModelWriter;
import dev.turbo4j.core.tensor.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Developer tools. */
@Command(name = "dev", mixinStandardHelpOptions = true, description = "Developer tools.",
        subcommands = {DevCommand.RandomModel.class})
final class DevCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "random-model", mixinStandardHelpOptions = true,
            description = "Write a model folder of a known shape with random weights (for benchmarks and tests).")
    static final class RandomModel implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--like", required = true, paramLabel = "SHAPE",
                description = "Shape: ${COMPLETION-CANDIDATES}", completionCandidates = ShapeNames.class)
        String like;

        @Option(names = "--dtype", defaultValue = "bf16", description = "f32, bf16 or f16 (default: ${DEFAULT-VALUE}).")
        String dtype;

        @Option(names = "--seed", defaultValue = "0", description = "Random seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--tokenizer-from", paramLabel = "DIR", description = "Copy the tokenizer files of this folder.")
        Path tokenizerFrom;

        @Parameters(index = "0", paramLabel = "OUT", description = "Folder to write.")
        Path out;

        @Override
        public Integer call() throws IOException {
            ModelShape shape;
            try {
                shape = ModelShape.named(like);
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage());
            }
            DType type = switch (dtype.toLowerCase(Locale.ROOT)) {
                case "f32", "float32" -> DType.F32;
                case "bf16", "bfloat16" -> DType.BF16;
                case "f16", "float16" -> DType.F16;
                default -> throw new UserException("--dtype must be f32, bf16 or f16, got " + dtype);
            };
            long start = System.nanoTime();
            RandomModelWriter.write(shape, type, seed, out);
            if (tokenizerFrom != null) {
                for (String f : new String[] {"tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json"}) {
                    Path src = tokenizerFrom.resolve(f);
                    if (Files.isRegularFile(src)) {
                        Files.copy(src, out.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s (%s, %.2f B parameters, %s) in %.1f s%n", out, shape.name(),
                    shape.parameterCount() / 1e9, type, (System.nanoTime() - start) / 1e9);
            return 0;
        }
    }

    static final class ShapeNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return ModelShape.names().iterator();
        }
    }
}
