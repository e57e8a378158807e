package dev.turbo4j.core.transformer;

import dev.turbo4j.core.kernel.VectorOps;
import dev.turbo4j.core.kvcache.KvCache;

import java.util.Arrays;

/**
 * Causal attention of one query head over a sequence's cached keys and values, block by
 * block with an online softmax (flash style): a running max and sum let each block be read
 * once, without materialising all scores.
 */
public final class Attention {
    private final float[] scores;
    private final float[] acc;

    /** Scratch for one thread: a block of scores and one head of accumulator. */
    public Attention(int blockSize, int headDim) {
        this.scores = new float[blockSize];
        this.acc = new float[headDim];
    }

    /** Whether this scratch holds a block of {@code blockSize} scores. */
    public boolean fits(int blockSize) {
        return scores.length >= blockSize;
    }

    /**
     * out[outOff .. + headDim) = softmax(q K^T * scale) V over positions [0, length) of the
     * sequence whose blocks are {@code blockTable}.
     */
    public void attend(KvCache cache, int layer, int[] blockTable, int length, int kvHead, float[] q, int qOff,
                       float scale, float[] out, int outOff) {
        float[] state = new float[2];
        attendRange(cache, layer, blockTable, 0, length, kvHead, q, qOff, scale, state);
        float inv = 1f / state[1];
        for (int d = 0; d < acc.length; d++) {
            out[outOff + d] = acc[d] * inv;
        }
    }

    /**
     * The unnormalised part of attention over positions [from, to) (block-aligned from): leaves
     * the running max in state[0], the sum of exp(score − max) in state[1] and the weighted
     * value sum in {@link #accumulator()}. Split-k decoding runs ranges on several workers and
     * merges them with {@link #merge}.
     */
    public void attendRange(KvCache cache, int layer, int[] blockTable, int from, int to, int kvHead, float[] q,
                            int qOff, float scale, float[] state) {
        int blockSize = cache.spec().blockSize();
        int headDim = acc.length;
        float max = Float.NEGATIVE_INFINITY;
        float sum = 0f;
        Arrays.fill(acc, 0f);
        for (int start = from; start < to; start += blockSize) {
            int count = Math.min(blockSize, to - start);
            int block = blockTable[start / blockSize];
            cache.keyScores(layer, block, kvHead, count, q, qOff, scale, scores);
            float newMax = Math.max(max, VectorOps.max(scores, 0, count));
            float correction = (float) Math.exp(max - newMax);
            if (correction != 1f) {
                sum *= correction;
                VectorOps.scale(correction, acc, 0, headDim);
            }
            sum += VectorOps.expShifted(scores, 0, count, newMax);
            cache.accumulateValues(layer, block, kvHead, count, scores, acc, 0);
            max = newMax;
        }
        state[0] = max;
        state[1] = sum;
    }

    /** The value accumulator of the last {@link #attendRange}. */
    public float[] accumulator() {
        return acc;
    }

    /**
     * Combines partial results (max, sum, acc) of disjoint ranges into the normalised output:
     * each part is rescaled by exp(its max − the global max).
     */
    public static void merge(float[] maxes, float[] sums, float[][] accs, int parts, float[] out, int outOff) {
        float max = Float.NEGATIVE_INFINITY;
        for (int p = 0; p < parts; p++) {
            max = Math.max(max, maxes[p]);
        }
        int headDim = accs[0].length;
        float total = 0f;
        java.util.Arrays.fill(out, outOff, outOff + headDim, 0f);
        for (int p = 0; p < parts; p++) {
            if (sums[p] == 0f) {
                continue;
            }
            float w = (float) Math.exp(maxes[p] - max);
            total += sums[p] * w;
            for (int d = 0; d < headDim; d++) {
                out[outOff + d] += accs[p][d] * w;
            }
        }
        float inv = 1f / total;
        for (int d = 0; d < headDim; d++) {
            out[outOff + d] *= inv;
        }
    }
}
