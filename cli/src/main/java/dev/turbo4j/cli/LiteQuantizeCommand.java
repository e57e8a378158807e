package dev.turbo4j.cli;

import dev.turbo4j.core.quant.ModelFormat;
import dev.turbo4j.core.quant.ModelQuantizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code turbo4j lite quantize}: round-to-nearest weight quantization without calibration. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Quantize a dense model's linear layers by round-to-nearest, no calibration.",
                "--w-bits 8: int8 per output channel, symmetric (quant_method turbo4j-int8: <layer>.qweight I8 [out, in], "
                        + "<layer>.scales F32 [out]).",
                "--w-bits 4: 4-bit groups with zero points, written as an AutoAWQ gemm checkpoint."})
final class LiteQuantizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "Dense model folder.")
    String model;

    @Option(names = "--work-dir", defaultValue = "./work_dir", paramLabel = "OUT",
            description = "Folder to write (default: ${DEFAULT-VALUE}, as LMDeploy's lite tools).")
    Path workDir;

    @Option(names = "--w-bits", defaultValue = "8", description = "8 or 4 (default: ${DEFAULT-VALUE}).")
    int wBits;

    @Option(names = "--w-group-size", defaultValue = "128",
            description = "Input channels per group for --w-bits 4 (default: ${DEFAULT-VALUE}); int8 has one scale per output channel.")
    int wGroupSize;

    @Option(names = "--quantize-lm-head", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = {"Quantize the output head too, as llama.cpp's Q8_0/Q4_0 files do (default: ${DEFAULT-VALUE}).",
                    "With --w-bits 4 its lm_head.qweight is Turbo4j's extension of the AutoAWQ layout: AutoAWQ, vLLM and",
                    "LMDeploy expect a dense lm_head, so pass --no-quantize-lm-head for a folder they load."})
    boolean quantizeLmHead;

    @Override
    public Integer call() throws Exception {
        Path src = ModelPaths.resolve(model);
        ModelFormat format = switch (wBits) {
            case 8 -> ModelFormat.TURBO4J_INT8;
            case 4 -> ModelFormat.AWQ;
            default -> throw new UserException("--w-bits must be 8 or 4, got " + wBits);
        };
        if (wBits == 8 && spec.commandLine().getParseResult().hasMatchedOption("--w-group-size")) {
            throw new UserException("--w-group-size applies to --w-bits 4 only: int8 weights have one scale per output"
                    + " channel; leave it out, or pass --w-bits 4");
        }
        long start = System.nanoTime();
        ModelQuantizer.Summary s = ModelQuantizer.quantize(src, workDir,
                new ModelQuantizer.Options(format, wGroupSize, quantizeLmHead));
        spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s (%s, %d layers quantized, %.3f GB) in %.1f s%n", workDir,
                format.id(), s.layersQuantized(), s.bytesWritten() / 1e9, (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
