package dev.turbo4j.bench;

import dev.turbo4j.core.kernel.DenseKernels;
import dev.turbo4j.core.kernel.DenseWeight;
import dev.turbo4j.core.kernel.MatMul;
import dev.turbo4j.core.parallel.WorkerPool;
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
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MatMulBenchmark {
    /** Weight copies together span at least this much, beyond any last-level cache. */
    static final long COLD_BYTES = 768L << 20;

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

    private Arena arena;
    private WorkerPool pool;
    private DenseWeight[] weights;
    private int next;
    private float[] x;
    private float[] y;

    @Setup(Level.Trial)
    public void setUp() {
        int rows = rows(shape);
        int cols = cols(shape);
        long bytes = (long) rows * cols * dtype.byteSize();
        int copies = (int) Math.max(1, (COLD_BYTES + bytes - 1) / bytes);
        arena = Arena.ofShared();
        MemorySegment first = arena.allocate(bytes, 64);
        BenchData.fillRandomWeights(first, dtype, 1);
        weights = new DenseWeight[copies];
        for (int i = 0; i < copies; i++) {
            MemorySegment copy = i == 0 ? first : arena.allocate(bytes, 64).copyFrom(first);
            weights[i] = new DenseWeight(copy, dtype, rows, cols, switch (kernel) {
                case "simd" -> DenseKernels.forDType(dtype);
                case "scalar" -> DenseKernels.scalarForDType(dtype);
                default -> throw new IllegalArgumentException("kernel must be simd or scalar: " + kernel);
            });
        }
        x = BenchData.randomFloats(tokens * cols, 2);
        y = new float[tokens * rows];
        pool = new WorkerPool(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public float multiply() {
        DenseWeight w = weights[next];
        next = next + 1 == weights.length ? 0 : next + 1;
        MatMul.multiply(pool, w, x, tokens, y);
        return y[0];
    }

    static int rows(String shape) {
        return Integer.parseInt(shape.substring(0, shape.indexOf('x')));
    }

    static int cols(String shape) {
        return Integer.parseInt(shape.substring(shape.indexOf('x') + 1));
    }
}
