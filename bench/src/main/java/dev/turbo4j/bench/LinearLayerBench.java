package dev.turbo4j.bench;

import dev.turbo4j.core.kernel.LinearWeight;
import dev.turbo4j.core.kernel.MatMul;
import dev.turbo4j.core.parallel.WorkerPool;

import java.lang.foreign.Arena;

/**
 * The state the linear-layer benchmarks share: copies of one weight cycled through (so decode
 * reads from DRAM, not cache), the activations and the worker pool.
 */
final class LinearLayerBench implements AutoCloseable {
    private final Arena arena;
    private final WorkerPool pool;
    private final LinearWeight[] weights;
    private final float[] x;
    private final float[] y;
    private final int tokens;
    private int next;

    /** {@code copy} makes one more copy of {@code first} in the arena. */
    LinearLayerBench(Arena arena, LinearWeight first, java.util.function.UnaryOperator<LinearWeight> copy, long spanBytes,
                     int tokens, int threads) {
        this.arena = arena;
        int copies = (int) Math.max(1, (spanBytes + first.byteSize() - 1) / first.byteSize());
        weights = new LinearWeight[copies];
        weights[0] = first;
        for (int i = 1; i < copies; i++) {
            weights[i] = copy.apply(first);
        }
        x = BenchData.randomFloats(tokens * first.inFeatures(), 2);
        y = new float[tokens * first.outFeatures()];
        pool = new WorkerPool(threads);
        this.tokens = tokens;
    }

    /** One multiply with the next weight copy; returns an output so JMH keeps it. */
    float multiplyNext() {
        LinearWeight w = weights[next];
        next = next + 1 == weights.length ? 0 : next + 1;
        MatMul.multiply(pool, w, x, tokens, y);
        return y[0];
    }

    @Override
    public void close() {
        pool.close();
        arena.close();
    }

    static int rows(String shape) {
        return Integer.parseInt(shape.substring(0, shape.indexOf('x')));
    }

    static int cols(String shape) {
        return Integer.parseInt(shape.substring(shape.indexOf('x') + 1));
    }
}
