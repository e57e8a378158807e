package dev.turbo4j.core.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Per-thread working buffers of the kernels (reordered activations, widened weight rows),
 * grown on demand and reused, so the hot path allocates nothing. Each worker thread of the
 * pool owns its own; a buffer is valid until the same thread asks for it again.
 */
final class KernelScratch {
    private static final ThreadLocal<KernelScratch> CURRENT = ThreadLocal.withInitial(KernelScratch::new);
    /** Cache-line alignment so vector loads of the widened rows never split lines. */
    private static final long ALIGNMENT = 64;

    private float[] activations = new float[0];
    private MemorySegment rows = MemorySegment.NULL;

    private KernelScratch() {
    }

    /** This thread's buffers. */
    static KernelScratch current() {
        return CURRENT.get();
    }

    /** A float array of at least {@code size} elements; contents undefined. */
    float[] activations(int size) {
        if (activations.length < size) {
            activations = new float[size];
        }
        return activations;
    }

    /** An off-heap buffer of at least {@code bytes} bytes; contents undefined. */
    MemorySegment rows(long bytes) {
        if (rows.byteSize() < bytes) {
            // Freed by the GC once the thread drops it.
            rows = Arena.ofAuto().allocate(bytes, ALIGNMENT);
        }
        return rows;
    }
}
