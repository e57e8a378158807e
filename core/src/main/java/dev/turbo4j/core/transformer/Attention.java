package dev.turbo4j.core.transformer;

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
        int blockSize = cache.spec().blockSize();
        int headDim = acc.length;
        float max = Float.NEGATIVE_INFINITY;
        float sum = 0f;
        Arrays.fill(acc, 0f);
        for (int start = 0, b = 0; start < length; start += blockSize, b++) {
            int count = Math.min(blockSize, length - start);
            int block = blockTable[b];
            cache.keyScores(layer, block, kvHead, count, q, qOff, scale, scores);
            float blockMax = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < count; i++) {
                blockMax = Math.max(blockMax, scores[i]);
            }
            float newMax = Math.max(max, blockMax);
            float correction = (float) Math.exp(max - newMax);
            if (correction != 1f) {
                sum *= correction;
                for (int d = 0; d < headDim; d++) {
                    acc[d] *= correction;
                }
            }
            for (int i = 0; i < count; i++) {
                float w = (float) Math.exp(scores[i] - newMax);
                scores[i] = w;
                sum += w;
            }
            cache.accumulateValues(layer, block, kvHead, count, scores, acc, 0);
            max = newMax;
        }
        float inv = 1f / sum;
        for (int d = 0; d < headDim; d++) {
            out[outOff + d] = acc[d] * inv;
        }
    }
}
