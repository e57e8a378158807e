package dev.turbo4j.core.kernel;

import dev.turbo4j.core.tensor.DType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * BF16 panels: the repacked layout against the dense weight it came from, the SIMD kernel
 * against the scalar reference (bit for bit: both are one FMA chain over k per output) at
 * this JVM's width, and batch invariance up to and past the token block.
 */
class Bf16PanelKernelTest {
    private static Bf16PanelWeight random(Arena arena, int rows, int cols, Random random) {
        return Bf16PanelWeight.repack(DenseWeight.of(TestWeights.random(arena, DType.BF16, rows, cols, random),
                DType.BF16, rows, cols), arena);
    }

    @Test
    void repackingKeepsEveryWeight() {
        Random random = new Random(3);
        try (Arena arena = Arena.ofConfined()) {
            int rows = 37;
            int cols = 70;
            DenseWeight dense = DenseWeight.of(TestWeights.random(arena, DType.BF16, rows, cols, random), DType.BF16,
                    rows, cols);
            Bf16PanelWeight panels = Bf16PanelWeight.repack(dense, arena);
            float[] row = new float[cols];
            float[] expected = new float[cols];
            for (int r = 0; r < rows; r++) {
                panels.readRow(r, row, 0);
                dense.readRow(r, expected, 0);
                assertThat(row).as("row %d", r).containsExactly(expected);
            }
            assertThat(panels.byteSize()).isEqualTo((long) Bf16PanelWeight.panelCount(rows) * Bf16PanelWeight.panelRows()
                    * cols * Short.BYTES);
        }
    }

    @Test
    void matchesTheScalarReferenceBitForBit() {
        Random random = new Random(42);
        // Odd panel counts, a partial last panel, more than one column block (PAIR_BLOCK pairs).
        int[][] shapes = {{1, 2}, {5, 6}, {16, 64}, {37, 300}, {67, 2 * SimdBf16PanelKernel.PAIR_BLOCK + 34}};
        try (Arena arena = Arena.ofConfined()) {
            for (int[] s : shapes) {
                Bf16PanelWeight w = random(arena, s[0], s[1], random);
                Bf16PanelWeight scalar = w.withKernel(Bf16PanelKernels.scalar());
                for (int tokens : new int[] {1, 2, 7, 8, 9, 16, 23, SimdBf16PanelKernel.TOKEN_BLOCK + 3}) {
                    int start = random.nextInt(s[0]);
                    int end = start + 1 + random.nextInt(s[0] - start);
                    float[] x = TestWeights.random(tokens * s[1], random);
                    float[] expected = new float[tokens * s[0]];
                    float[] actual = new float[tokens * s[0]];
                    scalar.multiply(x, tokens, expected, start, end);
                    w.multiply(x, tokens, actual, start, end);
                    assertThat(actual).as("%dx%d, %d tokens, rows [%d, %d)", s[0], s[1], tokens, start, end)
                            .containsExactly(expected);
                }
            }
        }
    }

    @Test
    void resultsAreBitIdenticalWhateverTheBatch() {
        Random random = new Random(5);
        try (Arena arena = Arena.ofConfined()) {
            Int4KernelTest.assertBatchInvariant(random(arena, 45, 704, random), random);
        }
    }

    @Test
    void onlyBf16WithColumnPairsRepacks() {
        try (Arena arena = Arena.ofConfined()) {
            Random random = new Random(1);
            DenseWeight odd = DenseWeight.of(TestWeights.random(arena, DType.BF16, 3, 5, random), DType.BF16, 3, 5);
            DenseWeight f16 = DenseWeight.of(TestWeights.random(arena, DType.F16, 3, 4, random), DType.F16, 3, 4);
            assertThat(Bf16PanelWeight.supports(odd)).isFalse();
            assertThat(Bf16PanelWeight.supports(f16)).isFalse();
            assertThatThrownBy(() -> Bf16PanelWeight.repack(odd, arena)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("even number of columns");
        }
    }
}
