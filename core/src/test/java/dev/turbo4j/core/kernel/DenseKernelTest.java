package dev.turbo4j.core.kernel;

import dev.turbo4j.core.parallel.WorkerPool;
import dev.turbo4j.core.tensor.DType;
import dev.turbo4j.core.tensor.Float16;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import org.junit.jupiter.api.Tag;
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
    private static final int GEMM = PanelGemm.NARROW_MIN_TOKENS;
    private static final int WIDE = PanelGemm.MIN_TOKENS;
    /**
     * Both paths (BF16 at 512 bits turns to the GEMM path at 16 tokens, the others at GEMM), both
     * GEMM tiles, and token counts that fill token panels partly and fully.
     */
    private static final int[] TOKENS = {1, 2, 3, 4, 5, 6, 7, GEMM - 1, GEMM, GEMM + 1, 13, 15, 16, 17, WIDE - 1, WIDE,
            WIDE + 1, WIDE + 6, WIDE + 11};

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
    void manyTokensAndColumnBlocks(DType dtype) {
        // Two token blocks, the last one ragged; 2048 columns: column blocks.
        try (Arena arena = Arena.ofConfined()) {
            checkAgainstReference(arena, dtype, 9, 2048, PanelGemm.BLOCK_TOKENS + 44, 0, 9, new Random(3));
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void sumsCarriedAcrossColumnBlocksAndRowChunks(DType dtype) {
        // Both tiles carry their sums across column blocks (the last one ragged); the wide one
        // also across a chunk boundary, from a row range that starts inside a tile.
        int rows = PanelGemm.CHUNK_ROWS + 30;
        int cols = PanelGemm.COLUMNS + PanelGemm.NARROW_COLUMNS + 76;
        try (Arena arena = Arena.ofConfined()) {
            checkAgainstReference(arena, dtype, rows, cols, WIDE + 8, 5, rows, new Random(5));
            checkAgainstReference(arena, dtype, 40, cols, GEMM + 4, 3, 40, new Random(6));
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

    /**
     * On the GEMV path (every decode batch below the GEMM threshold) each token's output equals,
     * bit for bit, its output computed alone, whichever tiles (four, two or one token at a time)
     * the batch is cut into and wherever the token sits in it. Run interpreted (see the pom):
     * the tiles sum in the same order, but while one is compiled and another is not, their
     * reduceLanes do not.
     */
    @Tag("interpreted")
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void gemvPathIsBatchInvariant(DType dtype) {
        SimdDenseKernel kernel = (SimdDenseKernel) DenseKernels.forDType(dtype);
        Random random = new Random(12);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : new int[][] {{7, 96}, {13, 200}, {9, 520}}) {
                int rows = shape[0];
                int cols = shape[1];
                MemorySegment w = TestWeights.random(arena, dtype, rows, cols, random);
                int maxTokens = kernel.gemmMinTokens() - 1;
                float[] x = TestWeights.random(maxTokens * cols, random);
                float[][] alone = new float[maxTokens][rows];
                for (int t = 0; t < maxTokens; t++) {
                    kernel.multiply(w, rows, cols, Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 1, alone[t], 0, rows);
                }
                for (int tokens = 2; tokens <= maxTokens; tokens++) {
                    float[] y = new float[tokens * rows];
                    kernel.multiply(w, rows, cols, x, tokens, y, 1, rows);
                    for (int t = 0; t < tokens; t++) {
                        for (int r = 1; r < rows; r++) {
                            assertThat(Float.floatToRawIntBits(y[t * rows + r]))
                                    .as("%s %dx%d: token %d row %d in a batch of %d", dtype, rows, cols, t, r, tokens)
                                    .isEqualTo(Float.floatToRawIntBits(alone[t][r]));
                        }
                    }
                }
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
    void vectorWideningIsExactForEverySixteenBitPattern(DType dtype) {
        int lanes = SimdSpecies.INT.length();
        int[] pairs = new int[1 << 15];
        for (int k = 0; k < pairs.length; k++) {
            pairs[k] = (2 * k + 1) << 16 | 2 * k; // low half: even column, high half: odd column
        }
        float[] widened = new float[1 << 16];
        for (int k = 0; k < pairs.length; k += lanes) {
            IntVector v = IntVector.fromArray(SimdSpecies.INT, pairs, k);
            FloatVector evens = dtype == DType.BF16 ? Bf16DenseKernel.evens(v) : F16DenseKernel.evens(v);
            FloatVector odds = dtype == DType.BF16 ? Bf16DenseKernel.odds(v) : F16DenseKernel.odds(v);
            for (int lane = 0; lane < lanes; lane++) {
                widened[2 * (k + lane)] = evens.lane(lane);
                widened[2 * (k + lane) + 1] = odds.lane(lane);
            }
        }
        for (int bits = 0; bits < widened.length; bits++) {
            float expected = dtype == DType.BF16 ? Float16.bf16ToFloat((short) bits) : Float16.f16ToFloat((short) bits);
            if (Float.isNaN(expected)) {
                // The JDK's own conversion may or may not quiet a signalling NaN.
                assertThat(widened[bits]).as("%s bits 0x%04x", dtype, bits).isNaN();
            } else {
                assertThat(Float.floatToRawIntBits(widened[bits])).as("%s bits 0x%04x", dtype, bits)
                        .isEqualTo(Float.floatToRawIntBits(expected));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void gemmPanelsAgreeOnTheColumnOrder(DType dtype) {
        int rows = 5;
        int cols = 300;
        int k0 = 100;
        int kc = 75; // a ragged block: pair-ordered vector part, then natural order
        SimdDenseKernel kernel = (SimdDenseKernel) DenseKernels.forDType(dtype);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = TestWeights.random(arena, dtype, rows, cols, new Random(1));
            float[] panel = new float[PanelGemm.ROWS * PanelGemm.COLUMNS];
            kernel.packRows(w, cols, 1, 3, k0, kc, panel, PanelGemm.COLUMNS);
            float[] x = new float[cols];
            for (int c = 0; c < cols; c++) {
                x[c] = c; // a token whose activations name their column
            }
            float[] tokens = new float[kc * PanelGemm.TOKENS];
            PanelGemm.packTokens(x, cols, 0, 1, k0, kc, kernel.pairOrder(), PanelGemm.Tile.WIDE, tokens, 0);
            for (int i = 0; i < 3; i++) {
                for (int at = 0; at < kc; at++) {
                    int column = (int) tokens[at * PanelGemm.TOKENS];
                    assertThat(column).isBetween(k0, k0 + kc - 1);
                    assertThat(panel[i * PanelGemm.COLUMNS + at]).as("row %d column %d", i, column)
                            .isEqualTo(element(dtype, w, (long) (1 + i) * cols + column));
                    assertThat(tokens[at * PanelGemm.TOKENS + 1]).as("padding token").isZero();
                }
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
