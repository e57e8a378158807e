package dev.turbo4j.core.kvcache;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Bulk copies between heap arrays and the pool. */
final class MemorySegmentCopy {
    private MemorySegmentCopy() {
    }

    static void floats(float[] src, int off, MemorySegment dst, long at, int n) {
        MemorySegment.copy(src, off, dst, ValueLayout.JAVA_FLOAT_UNALIGNED, at, n);
    }
}
