package dev.turbo4j.cli;

import dev.turbo4j.core.parallel.WorkerPool;
import dev.turbo4j.core.quant.awq.AutoAwq;
import dev.turbo4j.core.quant.awq.AwqOptions;
import dev.turbo4j.core.quant.awq.AwqReport;
import dev.turbo4j.core.quant.awq.CalibrationSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code turbo4j lite auto_awq}: AWQ 4-bit weight quantization into an AutoAWQ gemm checkpoint. */
@Command(name = "auto_awq", mixinStandardHelpOptions = true,
        description = {"Quantize a model's linear layers to 4 bits with AWQ (activation-aware weight quantization).",
                "Writes a Hugging Face folder in AutoAWQ's gemm format (loadable by AutoAWQ, vLLM, LMDeploy).",
                "Prints the perplexity of the calibration text before and after."})
final class LiteAutoAwqCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "Hugging Face model folder (F32, BF16 or F16).")
    String model;

    @Option(names = "--work-dir", defaultValue = "./work_dir", paramLabel = "OUT",
            description = "Folder to write the quantized model to (default: ${DEFAULT-VALUE}, as LMDeploy).")
    Path workDir;

    @Option(names = "--calib-dataset", defaultValue = CalibrationSet.BUILTIN, paramLabel = "TEXT",
            description = "A UTF-8 text file, or '" + CalibrationSet.BUILTIN
                    + "' for the bundled public-domain sample (default: ${DEFAULT-VALUE}).")
    String calibDataset;

    @Option(names = "--calib-samples", defaultValue = "128", description = "Calibration sequences (default: ${DEFAULT-VALUE}).")
    int calibSamples;

    @Option(names = "--calib-seqlen", defaultValue = "2048", description = "Tokens per calibration sequence (default: ${DEFAULT-VALUE}; at most the model's context).")
    int calibSeqlen;

    @Option(names = "--batch-size", defaultValue = "1", description = "Sequences per calibration batch; with --search-scale, the scale exponent is searched per batch and averaged (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--w-bits", defaultValue = "4", description = "Weight bits (default: ${DEFAULT-VALUE}; AutoAWQ gemm holds 4).")
    int wBits;

    @Option(names = "--w-group-size", defaultValue = "128", description = "Input channels per quantization group, -1 for per channel (default: ${DEFAULT-VALUE}).")
    int wGroupSize;

    @Option(names = "--w-sym", description = "Symmetric quantization (no zero points).")
    boolean wSym;

    @Option(names = "--search-scale", description = "Search the scale exponent per layer group on the block output error (else 0.5).")
    boolean searchScale;

    @Option(names = "--rtn", description = "Round-to-nearest only: no activation-aware scales (the baseline to compare with).")
    boolean rtn;

    @Option(names = "--threads", description = "Compute threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws IOException {
        Path dir = ModelPaths.resolve(model);
        if (rtn && searchScale) {
            throw new UserException("--rtn and --search-scale exclude each other");
        }
        AwqOptions.ScaleMode mode = rtn ? AwqOptions.ScaleMode.NONE
                : searchScale ? AwqOptions.ScaleMode.SEARCH : AwqOptions.ScaleMode.FIXED_ALPHA;
        AwqOptions options;
        try {
            options = new AwqOptions(calibDataset, calibSamples, calibSeqlen, batchSize, wBits, wGroupSize, wSym, mode);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        int threadCount = threads != null ? threads : WorkerPool.defaultThreads();
        if (threadCount < 1) {
            throw new UserException("--threads must be >= 1, got " + threadCount);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        AwqReport report;
        try (WorkerPool pool = new WorkerPool(threadCount); AwqProgressBar progress = new AwqProgressBar(err)) {
            report = new AutoAwq(pool, progress).run(dir, workDir, options);
        }
        out.printf(Locale.ROOT, "wrote %s (AutoAWQ gemm, %d-bit, group size %d, %s, %s)%n", report.checkpoint(), wBits,
                wGroupSize, wSym ? "symmetric" : "zero points", describe(mode));
        out.printf(Locale.ROOT, "calibration: %d sequences x %d tokens from %s%n", report.calibrationSequences(),
                report.calibrationTokens(), calibDataset);
        out.printf(Locale.ROOT, "calibration perplexity: %.4f before, %.4f after (%+.2f%%)%n", report.pplBefore(),
                report.pplAfter(), 100 * (report.pplAfter() / report.pplBefore() - 1));
        if (mode == AwqOptions.ScaleMode.SEARCH) {
            for (int i = 0; i < report.alphas().size(); i++) {
                String alphas = report.alphas().get(i).entrySet().stream()
                        .map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey().label(), e.getValue()))
                        .collect(Collectors.joining(", "));
                out.printf(Locale.ROOT, "layer %d alpha: %s%n", i, alphas);
            }
        }
        out.printf(Locale.ROOT, "elapsed: %.1f s%n", report.seconds());
        out.flush();
        return 0;
    }

    private static String describe(AwqOptions.ScaleMode mode) {
        return switch (mode) {
            case NONE -> "round-to-nearest";
            case FIXED_ALPHA -> "AWQ scales, alpha 0.5";
            case SEARCH -> "AWQ scales, searched alpha";
        };
    }
}
