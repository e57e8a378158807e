package dev.turbo4j.cli;

import dev.turbo4j.core.model.ModelShape;
import dev.turbo4j.core.model.RandomModelWriter;
import dev.turbo4j.core.quant.ModelFormat;
import dev.turbo4j.core.quant.ModelQuantizer;
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

        @Option(names = "--quantize", paramLabel = "FORMAT",
                description = "Also quantize (round-to-nearest): awq (4-bit, group 128, AutoAWQ gemm) or int8 (turbo4j-int8).")
        String quantize;

        @Option(names = "--quantize-lm-head", negatable = true, defaultValue = "false", fallbackValue = "true",
                description = "With --quantize, quantize the output head too (default: ${DEFAULT-VALUE}).")
        boolean quantizeLmHead;

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
            ModelFormat format = null;
            if (quantize != null) {
                format = switch (quantize.toLowerCase(Locale.ROOT)) {
                    case "awq" -> ModelFormat.AWQ;
                    case "int8" -> ModelFormat.TURBO4J_INT8;
                    default -> throw new UserException("--quantize must be awq or int8, got " + quantize);
                };
            }
            long start = System.nanoTime();
            // A quantized model is written dense beside OUT first, then quantized into OUT.
            Path denseOut = format == null ? out : out.resolveSibling(out.getFileName() + ".dense-tmp");
            RandomModelWriter.write(shape, type, seed, denseOut);
            if (tokenizerFrom != null) {
                for (String f : new String[] {"tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json"}) {
                    Path src = tokenizerFrom.resolve(f);
                    if (Files.isRegularFile(src)) {
                        Files.copy(src, denseOut.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            if (format != null) {
                ModelQuantizer.quantize(denseOut, out, new ModelQuantizer.Options(format, 128, quantizeLmHead));
                try (var files = Files.list(denseOut)) {
                    for (Path f : files.toList()) {
                        Files.delete(f);
                    }
                }
                Files.delete(denseOut);
            }
            spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s (%s, %.2f B parameters, %s) in %.1f s%n", out, shape.name(),
                    shape.parameterCount() / 1e9, format == null ? type : type + " quantized to " + format.id(), (System.nanoTime() - start) / 1e9);
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
