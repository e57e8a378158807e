package dev.turbo4j.bench;

import dev.turbo4j.core.kernel.DenseKernels;
import dev.turbo4j.core.kernel.DenseWeight;
import dev.turbo4j.core.tensor.DType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * One linear layer, {@code y = W x} over {@code tokens} tokens, through {@link MatMul} on a
 * worker pool: the GEMV path at tokens = 1 (decode), the GEMM path above (prefill).
 *
 * <p>Decode reads weights from DRAM, so the benchmark cycles through enough copies of the
 * weight to exceed the last-level cache; otherwise a small matrix would be timed from cache.
 * {@link MatMulReport} turns the times into GB/s and GFLOP/s against the roofline probes.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp "bench/target/turbo4j-bench.jar:bench/target/lib/*" \
 *     org.openjdk.jmh.Main MatMulBenchmark -p dtype=BF16 -p shape=2048x2048 -p tokens=1
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:ObjectAlignmentInBytes=64", "-XX:PerMethodTrapLimit=1000",
        "-XX:InlineSmallCode=6000", "-XX:FreqInlineSize=600", "-XX:MaxInlineLevel=30",
        "-XX:CompileCommand=quiet", "-XX:CompileCommand=dontinline,dev.turbo4j.core.kernel.PanelGemm::accumulate*",
        "-XX:CompileCommand=inline,dev.turbo4j.core.kernel.F16DenseKernel::evens",
        "-XX:CompileCommand=inline,dev.turbo4j.core.kernel.F16DenseKernel::odds",
        "-XX:CompileCommand=inline,dev.turbo4j.core.kernel.F16DenseKernel::highHalfToFloat"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MatMulBenchmark {
    @Param({"BF16", "F16", "F32"})
    public DType dtype;

    /** rows x cols = out_features x in_features. */
    @Param({"2048x2048", "8192x2048"})
    public String shape;

    @Param({"1", "64"})
    public int tokens;

    /** simd: the default kernel; scalar: the reference, to show the SIMD speed-up. */
    @Param({"simd"})
    public String kernel;

    @Param({"2"})
    public int threads;

    /** Weight copies span at least this many MiB: 768 reads from DRAM; 0 times one copy from cache. */
    @Param({"768"})
    public int coldMiB;

    private LinearLayerBench bench;

    @Setup(Level.Trial)
    public void setUp() {
        int rows = LinearLayerBench.rows(shape);
        int cols = LinearLayerBench.cols(shape);
        long bytes = (long) rows * cols * dtype.byteSize();
        Arena arena = Arena.ofShared();
        MemorySegment data = arena.allocate(bytes, 64);
        BenchData.fillRandomWeights(data, dtype, 1);
        DenseWeight first = new DenseWeight(data, dtype, rows, cols, switch (kernel) {
            case "simd" -> DenseKernels.forDType(dtype);
            case "scalar" -> DenseKernels.scalarForDType(dtype);
            default -> throw new IllegalArgumentException("kernel must be simd or scalar: " + kernel);
        });
        bench = new LinearLayerBench(arena, first,
                w -> new DenseWeight(arena.allocate(bytes, 64).copyFrom(data), dtype, rows, cols, first.kernel()),
                (long) coldMiB << 20, tokens, threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        bench.close();
    }

    @Benchmark
    public float multiply() {
        return bench.multiplyNext();
    }
}
