package dev.turbo4j.core.kernel;

import dev.turbo4j.core.parallel.WorkerPool;
import dev.turbo4j.core.tensor.DType;
import dev.turbo4j.core.tensor.Float16;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The SIMD dense kernels against the scalar reference, at the width this JVM runs at. */
class DenseKernelTest {
    private static final int[] COLS = {1, 2, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 257, 1024, 2051};
    private static final int[] ROWS = {1, 2, 3, 4, 5, 7, 8, 13, 16, 33};
    private static final int[] TOKENS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 17};

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void matchesTheScalarReferenceOnAllShapes(DType dtype) {
        Random random = new Random(42 + dtype.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            for (int cols : COLS) {
                for (int rows : ROWS) {
                    int tokens = TOKENS[random.nextInt(TOKENS.length)];
                    checkAgainstReference(arena, dtype, rows, cols, tokens, 0, rows, random);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void everyTokenCountAndRowRange(DType dtype) {
        Random random = new Random(7 + dtype.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            for (int tokens : TOKENS) {
                int rows = 1 + random.nextInt(40);
                int cols = 1 + random.nextInt(300);
                int start = random.nextInt(rows);
                int end = start + 1 + random.nextInt(rows - start);
                checkAgainstReference(arena, dtype, rows, cols, tokens, start, end, random);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void manyTokensSpanSeveralTokenBlocks(DType dtype) {
        // 2048 columns give 128-token blocks; 300 tokens cover two full blocks and a ragged one.
        try (Arena arena = Arena.ofConfined()) {
            checkAgainstReference(arena, dtype, 9, 2048, 300, 0, 9, new Random(3));
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void poolResultEqualsSingleThreaded(DType dtype) {
        Random random = new Random(11);
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int tokens : new int[] {1, 2, 5, 16}) {
                int rows = 37 + random.nextInt(100);
                int cols = 50 + random.nextInt(200);
                DenseWeight w = DenseWeight.of(TestWeights.random(Arena.ofAuto(), dtype, rows, cols, random),
                        dtype, rows, cols);
                float[] x = TestWeights.random(tokens * cols, random);
                float[] single = new float[tokens * rows];
                float[] pooled = new float[tokens * rows];
                w.multiply(x, tokens, single, 0, rows);
                MatMul.multiply(pool, w, x, tokens, pooled);
                assertThat(pooled).as("%s rows=%d cols=%d tokens=%d", dtype, rows, cols, tokens).containsExactly(single);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void defaultKernelIsTheSimdOne(DType dtype) {
        assertThat(DenseKernels.forDType(dtype)).isInstanceOf(SimdDenseKernel.class);
        assertThat(((SimdDenseKernel) DenseKernels.forDType(dtype)).dtype()).isEqualTo(dtype);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "F16"})
    void widensEverySixteenBitPatternExactly(DType dtype) {
        int count = 1 << 16;
        HalfDenseKernel kernel = (HalfDenseKernel) DenseKernels.forDType(dtype);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = arena.allocate((long) count * Short.BYTES);
            for (int i = 0; i < count; i++) {
                w.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) i);
            }
            int n = kernel.vectorColumns(count);
            assertThat(n).isEqualTo(count);
            MemorySegment widened = arena.allocate((long) F32Tiles.ROWS * n * Float.BYTES);
            kernel.widenRows(w, count, 0, 1, n, widened);
            for (int i = 0; i < count; i++) {
                int at = (i % 2 == 0) ? i / 2 : n / 2 + i / 2;
                float expected = dtype == DType.BF16 ? Float16.bf16ToFloat((short) i) : Float16.f16ToFloat((short) i);
                float actual = widened.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at);
                if (Float.isNaN(expected)) {
                    // The JDK's own conversion may or may not quiet a signalling NaN.
                    assertThat(actual).as("%s bits 0x%04x", dtype, i).isNaN();
                    continue;
                }
                assertThat(Float.floatToRawIntBits(actual)).as("%s bits 0x%04x", dtype, i)
                        .isEqualTo(Float.floatToRawIntBits(expected));
            }
        }
    }

    private static void checkAgainstReference(Arena arena, DType dtype, int rows, int cols, int tokens,
                                              int rowStart, int rowEnd, Random random) {
        MemorySegment w = TestWeights.random(arena, dtype, rows, cols, random);
        float[] x = TestWeights.random(tokens * cols, random);
        float[] expected = new float[tokens * rows];
        float[] actual = new float[tokens * rows];
        Arrays.fill(expected, Float.NaN);
        Arrays.fill(actual, Float.NaN);
        DenseKernels.scalarForDType(dtype).multiply(w, rows, cols, x, tokens, expected, rowStart, rowEnd);
        DenseKernels.forDType(dtype).multiply(w, rows, cols, x, tokens, actual, rowStart, rowEnd);
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < rows; r++) {
                int i = t * rows + r;
                String where = String.format("%s rows=%d cols=%d tokens=%d range=[%d,%d) at t=%d r=%d",
                        dtype, rows, cols, tokens, rowStart, rowEnd, t, r);
                if (r < rowStart || r >= rowEnd) {
                    assertThat(actual[i]).as("untouched " + where).isNaN();
                } else {
                    // Summation order differs; bound the error by the magnitude of the terms.
                    double magnitude = 0;
                    for (int c = 0; c < cols; c++) {
                        magnitude += Math.abs(element(dtype, w, (long) r * cols + c) * x[t * cols + c]);
                    }
                    assertThat(actual[i]).as(where).isCloseTo(expected[i], within((float) (1e-6 * magnitude * Math.sqrt(cols) + 1e-7)));
                }
            }
        }
    }

    private static float element(DType dtype, MemorySegment w, long index) {
        return switch (dtype) {
            case F32 -> w.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index);
            case BF16 -> Float16.bf16ToFloat(w.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, index));
            default -> Float16.f16ToFloat(w.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, index));
        };
    }
}
