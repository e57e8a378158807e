package dev.turbo4j.cli;

import dev.turbo4j.core.quant.ModelConverter;
import dev.turbo4j.core.quant.ModelFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code turbo4j convert}: a folder in the engine's prepared layout, loaded as a pure memory
 * map, optionally split for tensor parallelism.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Write a model in the engine's prepared layout so that loading it is a pure memory map:"
                + " AWQ/GPTQ layers repacked into the int4 kernel layout (quant_method turbo4j-int4); other weights copied.",
                "With --tp N each decoder linear is written as N tensor-parallel shards: q/k/v/gate/up split by output"
                        + " rows (whole heads per rank), o/down by input columns (partial sums added at run time)."
                        + " Run the result with --tp N (or 1)."})
final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "Model folder.")
    String model;

    @Option(names = "--dst-path", required = true, paramLabel = "OUT", description = "Folder to write.")
    Path dstPath;

    @Option(names = "--model-format", paramLabel = "FORMAT", description = "hf, awq or gptq (default: detected).")
    String modelFormat;

    @Option(names = "--tp", defaultValue = "1", paramLabel = "N",
            description = "Tensor-parallel ranks to split the weights over; must divide the attention heads, the kv heads"
                    + " and intermediate_size, and keep int4 groups whole (default: ${DEFAULT-VALUE}, unsplit).")
    int tp;

    @Override
    public Integer call() throws Exception {
        if (tp < 1) {
            throw new UserException("--tp must be >= 1, got " + tp);
        }
        ModelFormat override = null;
        if (modelFormat != null) {
            override = ModelFormat.fromId(modelFormat);
            if (override == null) {
                throw new UserException("--model-format must be hf, awq or gptq, got " + modelFormat);
            }
        }
        long start = System.nanoTime();
        ModelConverter.Summary s = ModelConverter.convert(ModelPaths.resolve(model), dstPath, override, tp);
        String split = s.tp() == 1 ? "" : String.format(Locale.ROOT, ", %d layers split over %d ranks", s.layersSplit(), s.tp());
        spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s (%s -> %s, %d layers repacked%s, %.3f GB) in %.1f s%n",
                dstPath, s.from().id(), s.to().id(), s.layersRepacked(), split, s.bytesWritten() / 1e9,
                (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
