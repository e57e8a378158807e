package dev.turbo4j.core.quant;

import dev.turbo4j.core.kernel.Int4GroupWeight;
import dev.turbo4j.core.memory.LargePages;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Repacks any {@link Int4Source} into the {@link Int4GroupWeight} layout the kernels read,
 * in memory owned by an arena (the model's, so closing the model frees it). Weights stay
 * 4-bit: half a byte per weight plus 3 bytes per group.
 */
public final class Int4Repacker {
    /** Rows unpacked per step: bounds the on-heap staging to ROW_BLOCK × cols bytes. */
    private static final int ROW_BLOCK = 64;
    private static final ValueLayout.OfInt WORD = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Int4Repacker() {
    }

    /** The source repacked into arena memory, on the SIMD kernel. */
    public static Int4GroupWeight repack(Int4Source source, Arena arena) {
        int rows = source.rows();
        int cols = source.cols();
        int groupSize = source.groupSize();
        if (!Int4GroupWeight.supportsShape(cols, groupSize)) {
            throw new IllegalArgumentException("int4 kernel needs in_features and group_size multiples of "
                    + Int4GroupWeight.CHUNK + " (group_size dividing in_features); got in_features " + cols
                    + ", group_size " + groupSize);
        }
        int groups = cols / groupSize;
        int storedRows = Int4GroupWeight.paddedRows(rows);
        MemorySegment packed = LargePages.allocate(arena, (long) storedRows * cols / 2);
        MemorySegment scales = arena.allocate((long) storedRows * groups * 2, 64);
        MemorySegment zeros = arena.allocate((long) storedRows * groups, 64);
        byte[] q = new byte[Math.min(ROW_BLOCK, rows) * cols];
        for (int r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
            int count = Math.min(ROW_BLOCK, rows - r0);
            source.unpackRows(r0, count, q);
            for (int i = 0; i < count; i++) {
                packRow(q, i * cols, rows, cols, packed, r0 + i);
            }
        }
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < groups; g++) {
                long at = Int4GroupWeight.groupIndex(groups, r, g);
                int z = source.zero(r, g);
                if (z < 0 || z > 16) {
                    throw new IllegalArgumentException("zero point " + z + " out of range 0..16 at row " + r + ", group " + g);
                }
                zeros.set(ValueLayout.JAVA_BYTE, at, (byte) z);
                scales.set(HALF, at * 2, source.scaleBits(r, g));
            }
        }
        return Int4GroupWeight.of(packed, scales, zeros, rows, cols, groupSize);
    }

    /** One row of q values (one per byte) into nibble-128 words: word k, nibble j = column 16 j + k. */
    private static void packRow(byte[] q, int from, int rows, int cols, MemorySegment packed, int row) {
        for (int chunk = 0; chunk < cols / Int4GroupWeight.CHUNK; chunk++) {
            int c0 = from + chunk * Int4GroupWeight.CHUNK;
            long out = Int4GroupWeight.chunkOffset(rows, cols, row, chunk);
            for (int k = 0; k < 16; k++) {
                int word = 0;
                for (int j = 0; j < 8; j++) {
                    word |= (q[c0 + 16 * j + k] & 0xF) << (4 * j);
                }
                packed.set(WORD, out + (long) k * Integer.BYTES, word);
            }
        }
    }
}
