package dev.turbo4j.core.kernel;

import dev.turbo4j.core.tensor.DType;
import dev.turbo4j.core.tensor.Float16;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/** Random weights and activations for the kernel tests. */
final class TestWeights {
    private TestWeights() {
    }

    /** rows × cols random weights in [-1, 1) stored as dtype, allocated in arena. */
    static MemorySegment random(Arena arena, DType dtype, int rows, int cols, Random random) {
        long n = (long) rows * cols;
        MemorySegment w = arena.allocate(n * dtype.byteSize(), 64);
        for (long i = 0; i < n; i++) {
            float v = random.nextFloat() * 2 - 1;
            switch (dtype) {
                case F32 -> w.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, v);
                case BF16 -> w.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float16.floatToBf16(v));
                case F16 -> w.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float16.floatToF16(v));
                default -> throw new IllegalArgumentException(dtype.toString());
            }
        }
        return w;
    }

    /** n random floats in [-1, 1). */
    static float[] random(int n, Random random) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = random.nextFloat() * 2 - 1;
        }
        return x;
    }
}
