package dev.turbo4j.core.kernel;

import java.util.List;

/**
 * Several linear weights over the same input, stacked by output rows (q/k/v, or gate/up),
 * so that one parallel multiply covers them all: fewer pool barriers per layer, and the
 * output lands in one buffer [tokens × sum of rows]. The column-parallel shards of a
 * tensor-parallel layer are stacked the same way: their outputs, concatenated, are the layer's.
 */
public final class StackedLinear extends CompositeLinear {
    private final int[] rowStarts;

    public StackedLinear(List<? extends LinearWeight> parts) {
        int[] starts = new int[parts.size() + 1];
        int in = parts.getFirst().inFeatures();
        for (int i = 0; i < parts.size(); i++) {
            if (parts.get(i).inFeatures() != in) {
                throw new IllegalArgumentException("stacked weights must share their input size");
            }
            starts[i + 1] = starts[i] + parts.get(i).outFeatures();
        }
        super(parts, in, starts[parts.size()]);
        this.rowStarts = starts;
    }

    @Override
    public void multiply(float[] x, int tokens, float[] y, int rowStart, int rowEnd) {
        for (int i = 0; i < parts.length; i++) {
            int s = Math.max(rowStart, rowStarts[i]);
            int e = Math.min(rowEnd, rowStarts[i + 1]);
            if (s >= e) {
                continue;
            }
            LinearWeight p = parts[i];
            int rows = p.outFeatures();
            if (parts.length == 1) {
                p.multiply(x, tokens, y, s, e);
                continue;
            }
            // The part writes [tokens × rows]; scatter it into the stacked layout.
            float[] partOut = KernelScratch.current().stackedPart(tokens * rows);
            p.multiply(x, tokens, partOut, s - rowStarts[i], e - rowStarts[i]);
            for (int t = 0; t < tokens; t++) {
                System.arraycopy(partOut, t * rows + (s - rowStarts[i]), y, t * outFeatures() + s, e - s);
            }
        }
    }

    @Override
    public void readRow(int r, float[] dst, int offset) {
        for (int i = 0; i < parts.length; i++) {
            if (r < rowStarts[i + 1]) {
                parts[i].readRow(r - rowStarts[i], dst, offset);
                return;
            }
        }
        throw new IndexOutOfBoundsException(r);
    }
}
