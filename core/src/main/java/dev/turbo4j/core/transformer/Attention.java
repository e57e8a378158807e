package dev.turbo4j.core.transformer;

import dev.turbo4j.core.kernel.VectorOps;
import dev.turbo4j.core.kvcache.KvCache;

import java.util.Arrays;

/**
 * Causal attention of a group of query heads that share one kv head (GQA; a group of one
 * without it) over a sequence's cached keys and values, block by block with an online
 * softmax (flash style): a running max and sum per head let each block be read once, without
 * materialising all scores, and once for the whole group.
 */
public final class Attention {
    private final int headDim;
    private final int maxHeads;
    private final float[] scores;
    private final float[] acc;
    private final float[] max;
    private final float[] sum;

    /** Scratch for one thread: a block of scores and one head of accumulator per head of a group. */
    public Attention(int blockSize, int headDim, int groupSize) {
        this.headDim = headDim;
        this.maxHeads = groupSize;
        this.scores = new float[blockSize * groupSize];
        this.acc = new float[headDim * groupSize];
        this.max = new float[groupSize];
        this.sum = new float[groupSize];
    }

    /** Whether this scratch holds a block of {@code blockSize} scores for {@code groupSize} heads. */
    public boolean fits(int blockSize, int groupSize) {
        return groupSize <= maxHeads && scores.length >= blockSize * groupSize;
    }

    /**
     * For each head g in [0, heads): out[outOff + g * headDim ..] = softmax(q_g K^T * scale) V
     * over positions [0, length) of the sequence whose blocks are {@code blockTable}, where q_g
     * starts at q[qOff + g * headDim].
     */
    public void attend(KvCache cache, int layer, int[] blockTable, int length, int kvHead, int heads, float[] q,
                       int qOff, float scale, float[] out, int outOff) {
        attendRange(cache, layer, blockTable, 0, length, kvHead, heads, q, qOff, scale);
        for (int g = 0; g < heads; g++) {
            float inv = 1f / sum[g];
            for (int d = 0; d < headDim; d++) {
                out[outOff + g * headDim + d] = acc[g * headDim + d] * inv;
            }
        }
    }

    /**
     * The unnormalised part of attention over positions [from, to) (block-aligned from): leaves
     * per head g the running max in {@link #max(int)}, the sum of exp(score − max) in
     * {@link #sum(int)} and the weighted value sum in {@link #accumulator()} at g * headDim.
     * Split-k decoding runs ranges on several workers and merges them with {@link #merge}.
     */
    public void attendRange(KvCache cache, int layer, int[] blockTable, int from, int to, int kvHead, int heads,
                            float[] q, int qOff, float scale) {
        if (heads > maxHeads) {
            throw new IllegalArgumentException(heads + " heads in a group, scratch holds " + maxHeads);
        }
        int stride = cache.spec().blockSize();
        Arrays.fill(max, 0, heads, Float.NEGATIVE_INFINITY);
        Arrays.fill(sum, 0, heads, 0f);
        Arrays.fill(acc, 0, heads * headDim, 0f);
        for (int start = from; start < to; start += stride) {
            int count = Math.min(stride, to - start);
            int block = blockTable[start / stride];
            cache.keyScores(layer, block, kvHead, count, heads, q, qOff, scale, scores, stride);
            for (int g = 0; g < heads; g++) {
                int s = g * stride;
                float newMax = Math.max(max[g], VectorOps.max(scores, s, count));
                float correction = (float) Math.exp(max[g] - newMax);
                if (correction != 1f) {
                    sum[g] *= correction;
                    VectorOps.scale(correction, acc, g * headDim, headDim);
                }
                sum[g] += VectorOps.expShifted(scores, s, count, newMax);
                max[g] = newMax;
            }
            cache.accumulateValues(layer, block, kvHead, count, heads, scores, stride, acc, 0);
        }
    }

    /** Head g's running max after the last {@link #attendRange}. */
    public float max(int g) {
        return max[g];
    }

    /** Head g's sum of exp(score − max) after the last {@link #attendRange}. */
    public float sum(int g) {
        return sum[g];
    }

    /** The value accumulators of the last {@link #attendRange}, head g at g * headDim. */
    public float[] accumulator() {
        return acc;
    }

    /**
     * Combines partial results (max, sum, acc) of disjoint ranges of one head into the
     * normalised output: each part is rescaled by exp(its max − the global max). Part p's
     * accumulator is accs[p][accOff .. + headDim).
     */
    public static void merge(float[] maxes, float[] sums, float[][] accs, int accOff, int headDim, int parts,
                             float[] out, int outOff) {
        float max = Float.NEGATIVE_INFINITY;
        for (int p = 0; p < parts; p++) {
            max = Math.max(max, maxes[p]);
        }
        float total = 0f;
        Arrays.fill(out, outOff, outOff + headDim, 0f);
        for (int p = 0; p < parts; p++) {
            if (sums[p] == 0f) {
                continue;
            }
            float w = (float) Math.exp(maxes[p] - max);
            total += sums[p] * w;
            for (int d = 0; d < headDim; d++) {
                out[outOff + d] += accs[p][accOff + d] * w;
            }
        }
        float inv = 1f / total;
        for (int d = 0; d < headDim; d++) {
            out[outOff + d] *= inv;
        }
    }
}
