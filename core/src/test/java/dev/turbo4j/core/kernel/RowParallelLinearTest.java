package dev.turbo4j.core.kernel;

import dev.turbo4j.core.tensor.DType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** A layer split by input columns multiplies and reads as the unsplit layer. */
class RowParallelLinearTest {
    private static final int ROWS = 40;
    private static final int COLS = 96;
    private static final int SHARDS = 3;

    @Test
    void partialSumsOfTheShardsAreTheWholeProductOnTheAskedRowsOnly() {
        Random random = new Random(7);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = TestWeights.random(arena, DType.F32, ROWS, COLS, random);
            DenseWeight whole = DenseWeight.of(data, DType.F32, ROWS, COLS);
            RowParallelLinear split = new RowParallelLinear(columnBlocks(whole, arena));
            assertThat(split.inFeatures()).isEqualTo(COLS);
            assertThat(split.outFeatures()).isEqualTo(ROWS);
            assertThat(split.byteSize()).isEqualTo(whole.byteSize());

            int tokens = 3;
            float[] x = TestWeights.random(tokens * COLS, random);
            float[] expected = new float[tokens * ROWS];
            whole.multiply(x, tokens, expected, 0, ROWS);
            float[] y = new float[tokens * ROWS];
            Arrays.fill(y, Float.NaN);
            split.multiply(x, tokens, y, 8, 24);
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < ROWS; r++) {
                    float v = y[t * ROWS + r];
                    if (r >= 8 && r < 24) {
                        assertThat(v).as("token %d row %d", t, r).isCloseTo(expected[t * ROWS + r], within(1e-4f));
                    } else {
                        assertThat(v).as("row %d is outside the range and stays untouched", r).isNaN();
                    }
                }
            }

            float[] row = new float[COLS];
            float[] expectedRow = new float[COLS];
            split.readRow(17, row, 0);
            whole.readRow(17, expectedRow, 0);
            assertThat(row).containsExactly(expectedRow);
        }
    }

    @Test
    void shardsOfDifferentShapesAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            Random random = new Random(1);
            DenseWeight a = DenseWeight.of(TestWeights.random(arena, DType.F32, 4, 32, random), DType.F32, 4, 32);
            DenseWeight b = DenseWeight.of(TestWeights.random(arena, DType.F32, 4, 64, random), DType.F32, 4, 64);
            assertThatThrownBy(() -> new RowParallelLinear(List.of(a, b)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("share their shape");
        }
    }

    /** W's column blocks, each copied into its own dense F32 weight. */
    private static List<DenseWeight> columnBlocks(DenseWeight w, Arena arena) {
        int cols = COLS / SHARDS;
        List<DenseWeight> out = new ArrayList<>();
        for (int s = 0; s < SHARDS; s++) {
            MemorySegment block = arena.allocate((long) ROWS * cols * Float.BYTES, 64);
            for (int r = 0; r < ROWS; r++) {
                MemorySegment.copy(w.data(), ((long) r * COLS + s * cols) * Float.BYTES, block,
                        (long) r * cols * Float.BYTES, (long) cols * Float.BYTES);
            }
            out.add(DenseWeight.of(block, DType.F32, ROWS, cols));
        }
        return out;
    }
}
