package dev.turbo4j.core.kernel;

import dev.turbo4j.core.parallel.WorkerPool;

/** Runs a linear layer over all tokens of a step, its output rows split across the pool. */
public final class MatMul {
    /** Row parts are multiples of this, so tiled kernels see whole row tiles. */
    private static final int ROW_ALIGNMENT = 16;

    private MatMul() {
    }

    /** y[t, :] = W x[t, :] for t in [0, tokens). Every weight byte is read once per call. */
    public static void multiply(WorkerPool pool, LinearWeight w, float[] x, int tokens, float[] y) {
        pool.parallelFor(w.outFeatures(), ROW_ALIGNMENT, (start, end) -> w.multiply(x, tokens, y, start, end));
    }
}
