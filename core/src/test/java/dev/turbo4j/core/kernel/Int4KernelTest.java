package dev.turbo4j.core.kernel;

import dev.turbo4j.core.quant.Int4Groups;
import dev.turbo4j.core.quant.Int4Repacker;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Random;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The SIMD int4 kernel against the scalar reference at this JVM's width, and its batch invariance. */
class Int4KernelTest {
    private static final int[] TOKENS = {1, 2, 3, 4, 5, 7, 8, 9, 13};

    static Int4Groups randomGroups(int rows, int cols, int groupSize, Random random) {
        byte[] q = new byte[rows * cols];
        for (int i = 0; i < q.length; i++) {
            q[i] = (byte) random.nextInt(16);
        }
        int groups = rows * (cols / groupSize);
        byte[] zeros = new byte[groups];
        short[] scales = new short[groups];
        for (int g = 0; g < groups; g++) {
            zeros[g] = (byte) random.nextInt(17);
            scales[g] = Float.floatToFloat16(0.001f + random.nextFloat() * 0.05f);
        }
        return new Int4Groups(rows, cols, groupSize, q, zeros, scales);
    }

    @Test
    void repackingKeepsEveryElement() {
        Random random = new Random(1);
        try (Arena arena = Arena.ofConfined()) {
            Int4Groups g = randomGroups(5, 384, 128, random);
            Int4GroupWeight w = Int4Repacker.repack(g, arena);
            float[] row = new float[384];
            for (int r = 0; r < 5; r++) {
                w.readRow(r, row, 0);
                for (int c = 0; c < 384; c++) {
                    assertThat(w.q(r, c)).isEqualTo(g.q(r, c));
                    assertThat(row[c]).isEqualTo(g.get(r, c));
                }
            }
        }
    }

    @Test
    void matchesTheScalarReferenceOnManyShapes() {
        Random random = new Random(42);
        int[][] shapes = {{1, 128, 128}, {3, 128, 128}, {4, 256, 128}, {7, 384, 128}, {13, 512, 256}, {33, 1024, 128},
                {9, 1024, 1024}, {16, 2048, 128}};
        try (Arena arena = Arena.ofConfined()) {
            for (int[] s : shapes) {
                Int4GroupWeight w = Int4Repacker.repack(randomGroups(s[0], s[1], s[2], random), arena);
                for (int tokens : TOKENS) {
                    int start = random.nextInt(s[0]);
                    int end = start + 1 + random.nextInt(s[0] - start);
                    check(w, tokens, start, end, random);
                }
                check(w, 300, 0, s[0], random);
            }
        }
    }

    /**
     * With one-hot activations each output is one dequantized element, so any inexact scale or
     * offset shows: scales from half subnormals to large normals, every zero point, and groups
     * per tile on both sides of one vector (the vectorised and the scalar parameter loads).
     */
    @Test
    void dequantizesEveryElementExactly() {
        Random random = new Random(9);
        float[] scaleChoices = {3e-7f, 2e-5f, 6.1e-5f, 0.004f, 0.05f, 1.5f, 300f};
        try (Arena arena = Arena.ofConfined()) {
            for (int cols : new int[] {384, 2048}) {
                Int4Groups g = randomGroups(10, cols, 128, random);
                for (int i = 0; i < g.scales().length; i++) {
                    g.scales()[i] = Float.floatToFloat16(scaleChoices[i % scaleChoices.length]);
                    g.zeros()[i] = (byte) (i % 17);
                }
                Int4GroupWeight w = Int4Repacker.repack(g, arena);
                for (int tokens : new int[] {1, 5}) {
                    int[] hot = new int[tokens];
                    float[] x = new float[tokens * cols];
                    for (int t = 0; t < tokens; t++) {
                        hot[t] = random.nextInt(cols);
                        x[t * cols + hot[t]] = 1;
                    }
                    float[] y = new float[tokens * 10];
                    w.multiply(x, tokens, y, 0, 10);
                    for (int t = 0; t < tokens; t++) {
                        for (int r = 0; r < 10; r++) {
                            assertThat(y[t * 10 + r]).as("row %d, column %d of %d, %d tokens", r, hot[t], cols, tokens)
                                    .isEqualTo(g.get(r, hot[t]));
                        }
                    }
                }
            }
        }
    }

    @Test
    void resultsAreBitIdenticalWhateverTheBatch() {
        Random random = new Random(5);
        try (Arena arena = Arena.ofConfined()) {
            Int4GroupWeight w = Int4Repacker.repack(randomGroups(21, 768, 128, random), arena);
            assertBatchInvariant(w, random);
        }
    }

    static void check(LinearWeight simd, LinearWeight scalar, int tokens, int start, int end, Random random) {
        int cols = simd.inFeatures();
        int rows = simd.outFeatures();
        float[] x = TestWeights.random(tokens * cols, random);
        float[] expected = new float[tokens * rows];
        float[] actual = new float[tokens * rows];
        scalar.multiply(x, tokens, expected, start, end);
        simd.multiply(x, tokens, actual, start, end);
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < rows; r++) {
                int i = t * rows + r;
                if (r < start || r >= end) {
                    assertThat(actual[i]).as("row %d outside the range is untouched", r).isZero();
                    continue;
                }
                double magnitude = 0;
                float[] row = new float[cols];
                simd.readRow(r, row, 0);
                for (int c = 0; c < cols; c++) {
                    magnitude += Math.abs(row[c] * x[t * cols + c]);
                }
                assertThat((double) actual[i]).as("y[%d, %d] of %dx%d, %d tokens", t, r, rows, cols, tokens)
                        .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5 * magnitude + 1e-6));
            }
        }
    }

    private static void check(Int4GroupWeight w, int tokens, int start, int end, Random random) {
        check(w, w.withKernel(Int4Kernels.scalar()), tokens, start, end, random);
    }

    /**
     * Every token's output computed inside batches of every size below the GEMM threshold (the
     * sizes of a decode step; and at every position in them) equals, bit for bit, the output of
     * that token computed alone.
     */
    static void assertBatchInvariant(LinearWeight w, Random random) {
        int cols = w.inFeatures();
        int rows = w.outFeatures();
        int maxTokens = PanelGemm.MIN_TOKENS - 1;
        float[] x = TestWeights.random(maxTokens * cols, random);
        float[][] alone = new float[maxTokens][rows];
        for (int t = 0; t < maxTokens; t++) {
            float[] xt = new float[cols];
            System.arraycopy(x, t * cols, xt, 0, cols);
            w.multiply(xt, 1, alone[t], 0, rows);
        }
        // The GEMM threshold is 16 tokens at 256 bits and 32 at 512: the sizes below it.
        int[] batches = IntStream.concat(IntStream.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 17).filter(t -> t < maxTokens),
                IntStream.of(maxTokens)).toArray();
        for (int tokens : batches) {
            float[] y = new float[tokens * rows];
            w.multiply(x, tokens, y, 0, rows);
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < rows; r++) {
                    assertThat(Float.floatToRawIntBits(y[t * rows + r])).as("token %d row %d in a batch of %d", t, r, tokens)
                            .isEqualTo(Float.floatToRawIntBits(alone[t][r]));
                }
            }
        }
    }
}
