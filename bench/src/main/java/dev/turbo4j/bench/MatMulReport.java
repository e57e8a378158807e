package dev.turbo4j.bench;

import dev.turbo4j.core.kernel.Roofline;
import dev.turbo4j.core.kernel.SimdSpecies;
import dev.turbo4j.core.parallel.WorkerPool;
import dev.turbo4j.core.tensor.DType;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs {@link MatMulBenchmark} over the Llama-3.2-1B linear-layer shapes and prints each
 * kernel's speed against this machine's roofline: GEMV (decode, 1 token) as GB/s of weights
 * read over the measured read bandwidth, GEMM (prefill) as GFLOP/s over the measured peak,
 * and the scalar reference (1 and 64 tokens) for the SIMD speed-up.
 *
 * <pre>
 * mvn -o -q -pl core,bench package -DskipTests
 * java --add-modules jdk.incubator.vector -cp "bench/target/turbo4j-bench.jar:bench/target/lib/*" \
 *     dev.turbo4j.bench.MatMulReport [--quick] [--threads N] [--dtypes BF16,F16,F32]
 * </pre>
 */
public final class MatMulReport {
    /** The linear layers of Llama-3.2-1B, rows x cols: q/o, k/v, gate/up, down, lm_head. */
    private static final String[] DECODE_SHAPES = {"2048x2048", "512x2048", "8192x2048", "2048x8192", "128256x2048"};
    private static final String[] PREFILL_SHAPES = {"2048x2048", "8192x2048"};
    private static final int[] PREFILL_TOKENS = {64, 512};

    private record Case(DType dtype, String shape, int tokens, String kernel) {
        long rows() {
            return LinearLayerBench.rows(shape);
        }

        long cols() {
            return LinearLayerBench.cols(shape);
        }
    }

    private MatMulReport() {
    }

    public static void main(String[] args) throws RunnerException {
        boolean quick = false;
        int threads = 2;
        List<DType> dtypes = List.of(DType.BF16, DType.F16, DType.F32);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--dtypes" -> dtypes = java.util.Arrays.stream(args[++i].split(",")).map(DType::valueOf).toList();
                default -> throw new IllegalArgumentException("usage: MatMulReport [--quick] [--threads N] [--dtypes BF16,F16,F32]");
            }
        }
        double bandwidth;
        double peak;
        try (WorkerPool pool = new WorkerPool(threads)) {
            bandwidth = Roofline.measureReadBandwidthGBs(pool);
            peak = Roofline.measurePeakGflops(pool);
        }
        System.out.printf(Locale.ROOT, "%d threads, %d-bit vectors: read bandwidth %.1f GB/s, peak %.1f GFLOP/s%n%n",
                threads, SimdSpecies.bits(), bandwidth, peak);

        List<Case> cases = new ArrayList<>();
        for (DType dtype : dtypes) {
            for (String shape : DECODE_SHAPES) {
                cases.add(new Case(dtype, shape, 1, "simd"));
            }
            cases.add(new Case(dtype, "2048x2048", 1, "scalar"));
            for (String shape : PREFILL_SHAPES) {
                for (int tokens : PREFILL_TOKENS) {
                    cases.add(new Case(dtype, shape, tokens, "simd"));
                }
            }
            // Compute-bound, so the SIMD speed-up shows in full (C2 really emitted vector code).
            cases.add(new Case(dtype, "2048x2048", 64, "scalar"));
        }
        System.out.println("| dtype | rows x cols | tokens | kernel | us/op | GB/s | % bandwidth | GFLOP/s | % peak |");
        System.out.println("|---|---|---:|---|---:|---:|---:|---:|---:|");
        for (Case c : cases) {
            double micros = run(c, threads, quick);
            double seconds = micros * 1e-6;
            double gbs = c.rows() * c.cols() * c.dtype().byteSize() / seconds / 1e9;
            double gflops = 2.0 * c.rows() * c.cols() * c.tokens() / seconds / 1e9;
            System.out.printf(Locale.ROOT, "| %s | %s | %d | %s | %.1f | %.1f | %.0f%% | %.1f | %.0f%% |%n",
                    c.dtype(), c.shape(), c.tokens(), c.kernel(), micros, gbs, 100 * gbs / bandwidth,
                    gflops, 100 * gflops / peak);
        }
    }

    private static double run(Case c, int threads, boolean quick) throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(MatMulBenchmark.class.getName() + ".multiply")
                .param("dtype", c.dtype().name())
                .param("shape", c.shape())
                .param("tokens", Integer.toString(c.tokens()))
                .param("kernel", c.kernel())
                .param("threads", Integer.toString(threads))
                .verbosity(VerboseMode.SILENT);
        if (quick) {
            options.warmupIterations(2).measurementIterations(3)
                    .warmupTime(TimeValue.milliseconds(500)).measurementTime(TimeValue.milliseconds(500));
        }
        RunResult result = new Runner(options.build()).runSingle();
        return result.getPrimaryResult().getScore();
    }
}
