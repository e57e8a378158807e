package dev.turbo4j.bench;

import dev.turbo4j.core.kernel.Int4GroupWeight;
import dev.turbo4j.core.kernel.Int4Kernels;
import dev.turbo4j.core.kernel.Int8ChannelWeight;
import dev.turbo4j.core.kernel.Int8Kernels;
import dev.turbo4j.core.kernel.LinearWeight;
import dev.turbo4j.core.tensor.Float16;
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
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One quantized linear layer, {@code y = W x}, through {@link MatMul}: int4 in groups of 128
 * (the AWQ/GPTQ layout after repacking) or int8 per output channel. Like
 * {@link MatMulBenchmark}, decode cycles through enough weight copies to read from DRAM.
 * GB/s = bytes of the quantized weight (values, scales, zeros) / time.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp "bench/target/turbo4j-bench.jar:bench/target/lib/*" \
 *     org.openjdk.jmh.Main QuantMatMulBenchmark -p format=INT4 -p shape=8192x2048 -p tokens=1
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
public class QuantMatMulBenchmark {
    static final int GROUP = 128;

    @Param({"INT4", "INT8"})
    public String format;

    /** rows x cols = out_features x in_features. */
    @Param({"2048x2048", "8192x2048", "2048x8192"})
    public String shape;

    @Param({"1", "64"})
    public int tokens;

    /** simd: the default kernel; scalar: the reference. */
    @Param({"simd"})
    public String kernel;

    @Param({"2"})
    public int threads;

    /** Weight copies span at least this many MiB: 768 reads from DRAM; 0 times one copy from cache. */
    @Param({"768"})
    public int coldMiB;

    private Arena arena;
    private LinearLayerBench bench;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        LinearWeight first = create(LinearLayerBench.rows(shape), LinearLayerBench.cols(shape));
        bench = new LinearLayerBench(arena, first, this::copy, (long) coldMiB << 20, tokens, threads);
    }

    private LinearWeight create(int rows, int cols) {
        SplittableRandom random = new SplittableRandom(1);
        return switch (format) {
            case "INT4" -> {
                long groups = (long) rows * (cols / GROUP);
                MemorySegment packed = randomBytes((long) rows * cols / 2, random);
                MemorySegment scales = alloc(groups * 2);
                MemorySegment zeros = alloc(groups);
                for (long g = 0; g < groups; g++) {
                    scales.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, g, Float16.floatToF16((float) (random.nextDouble() * 0.02)));
                    zeros.set(ValueLayout.JAVA_BYTE, g, (byte) random.nextInt(16));
                }
                Int4GroupWeight w = Int4GroupWeight.of(packed, scales, zeros, rows, cols, GROUP);
                yield kernel.equals("scalar") ? w.withKernel(Int4Kernels.scalar()) : w;
            }
            case "INT8" -> {
                MemorySegment q = randomBytes((long) rows * cols, random);
                MemorySegment scales = arena.allocate((long) rows * Float.BYTES, 64);
                for (int r = 0; r < rows; r++) {
                    scales.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, r, (float) (random.nextDouble() * 0.01));
                }
                Int8ChannelWeight w = Int8ChannelWeight.of(q, scales, rows, cols);
                yield kernel.equals("scalar") ? w.withKernel(Int8Kernels.scalar()) : w;
            }
            default -> throw new IllegalArgumentException("format must be INT4 or INT8: " + format);
        };
    }

    private MemorySegment randomBytes(long n, SplittableRandom random) {
        MemorySegment s = alloc(n);
        for (long i = 0; i < n; i += Long.BYTES) {
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
        }
        return s;
    }

    private LinearWeight copy(LinearWeight w) {
        return switch (w) {
            case Int4GroupWeight q -> new Int4GroupWeight(clone(q.packed()), clone(q.scales()), clone(q.zeros()),
                    q.rows(), q.cols(), q.groupSize(), q.kernel());
            case Int8ChannelWeight q -> new Int8ChannelWeight(clone(q.q()), clone(q.scales()), q.rows(), q.cols(), q.kernel());
            default -> throw new IllegalStateException(w.getClass().getName());
        };
    }

    private MemorySegment clone(MemorySegment s) {
        return alloc(s.byteSize()).copyFrom(s);
    }

    private MemorySegment alloc(long n) {
        return arena.allocate(n, 64);
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
