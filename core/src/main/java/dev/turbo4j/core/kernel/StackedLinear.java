package dev.turbo4j.core.kernel;

import java.util.List;

/**
 * Several linear weights over the same input, stacked by output rows (q/k/v, or gate/up),
 * so that one parallel multiply covers them all: fewer pool barriers per layer, and the
 * output lands in one buffer [tokens × sum of rows].
 */
public final class StackedLinear implements LinearWeight {
    private final LinearWeight[] parts;
    private final int[] rowStarts;
    private final int inFeatures;
    private final int outFeatures;

    public StackedLinear(List<? extends LinearWeight> parts) {
        this.parts = parts.toArray(new LinearWeight[0]);
        this.rowStarts = new int[this.parts.length + 1];
        this.inFeatures = this.parts[0].inFeatures();
        for (int i = 0; i < this.parts.length; i++) {
            if (this.parts[i].inFeatures() != inFeatures) {
                throw new IllegalArgumentException("stacked weights must share their input size");
            }
            rowStarts[i + 1] = rowStarts[i] + this.parts[i].outFeatures();
        }
        this.outFeatures = rowStarts[this.parts.length];
    }

    @Override
    public int inFeatures() {
        return inFeatures;
    }

    @Override
    public int outFeatures() {
        return outFeatures;
    }

    @Override
    public long byteSize() {
        long n = 0;
        for (LinearWeight p : parts) {
            n += p.byteSize();
        }
        return n;
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
            float[] partOut = PartBuffer.get(tokens * rows);
            p.multiply(x, tokens, partOut, s - rowStarts[i], e - rowStarts[i]);
            for (int t = 0; t < tokens; t++) {
                System.arraycopy(partOut, t * rows + (s - rowStarts[i]), y, t * outFeatures + s, e - s);
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

    /** A per-thread scratch buffer for one part's output. */
    private static final class PartBuffer {
        private static final ThreadLocal<float[][]> BUFFER = ThreadLocal.withInitial(() -> new float[1][0]);

        static float[] get(int size) {
            float[][] holder = BUFFER.get();
            if (holder[0].length < size) {
                holder[0] = new float[size];
            }
            return holder[0];
        }
    }
}
