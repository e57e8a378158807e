package dev.turbo4j.core.kernel;

import java.util.List;

/**
 * A linear layer computed from several weights ({@link StackedLinear} by output rows,
 * {@link RowParallelLinear} by input columns): the shape the parts make together, and the
 * bytes they read.
 */
abstract sealed class CompositeLinear implements LinearWeight permits StackedLinear, RowParallelLinear {
    /** The parts, in order. */
    final LinearWeight[] parts;
    private final int inFeatures;
    private final int outFeatures;

    CompositeLinear(List<? extends LinearWeight> parts, int inFeatures, int outFeatures) {
        this.parts = parts.toArray(new LinearWeight[0]);
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
    }

    @Override
    public final int inFeatures() {
        return inFeatures;
    }

    @Override
    public final int outFeatures() {
        return outFeatures;
    }

    @Override
    public final long byteSize() {
        long n = 0;
        for (LinearWeight p : parts) {
            n += p.byteSize();
        }
        return n;
    }
}
