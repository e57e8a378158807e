package dev.turbo4j.core.kernel;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/** The SIMD int8 kernel against the scalar reference at this JVM's width, and its batch invariance. */
class Int8KernelTest {
    static Int8ChannelWeight random(Arena arena, int rows, int cols, Random random) {
        MemorySegment q = arena.allocate((long) rows * cols, 64);
        for (long i = 0; i < (long) rows * cols; i++) {
            q.set(ValueLayout.JAVA_BYTE, i, (byte) (random.nextInt(255) - 127));
        }
        MemorySegment scales = arena.allocate((long) rows * Float.BYTES, 64);
        for (int r = 0; r < rows; r++) {
            scales.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, r, 0.0005f + random.nextFloat() * 0.01f);
        }
        return Int8ChannelWeight.of(q, scales, rows, cols);
    }

    @Test
    void matchesTheScalarReferenceOnManyShapes() {
        Random random = new Random(42);
        int[][] shapes = {{1, 64}, {3, 128}, {4, 192}, {7, 320}, {13, 512}, {33, 1024}, {16, 2048}};
        try (Arena arena = Arena.ofConfined()) {
            for (int[] s : shapes) {
                Int8ChannelWeight w = random(arena, s[0], s[1], random);
                for (int tokens : new int[] {1, 2, 3, 4, 5, 7, 8, 9, 13, 300}) {
                    int start = random.nextInt(s[0]);
                    int end = start + 1 + random.nextInt(s[0] - start);
                    Int4KernelTest.check(w, w.withKernel(Int8Kernels.scalar()), tokens, start, end, random);
                }
            }
        }
    }

    @Test
    void resultsAreBitIdenticalWhateverTheBatch() {
        Random random = new Random(5);
        try (Arena arena = Arena.ofConfined()) {
            Int4KernelTest.assertBatchInvariant(random(arena, 21, 704, random), random);
        }
    }
}
