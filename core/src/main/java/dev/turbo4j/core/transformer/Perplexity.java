package dev.turbo4j.core.transformer;

import dev.turbo4j.core.kvcache.KvCache;
import dev.turbo4j.core.kvcache.KvCacheSpec;
import dev.turbo4j.core.kvcache.KvFormat;
import dev.turbo4j.core.kvcache.PagedKvCache;

import java.util.Arrays;
import java.util.List;

/**
 * Perplexity as LMDeploy's get_ppl and llama.cpp's perplexity compute it: the ids are cut
 * into consecutive windows of {@code ctx} tokens (the last may be shorter), each scored
 * independently with a fresh cache. With a BOS, each window is fed as [BOS] + window and
 * every window token is predicted; without, the window is fed as is and tokens 2..n are
 * predicted. ppl = exp(total negative log-likelihood / tokens predicted).
 */
public final class Perplexity {
    private Perplexity() {
    }

    /** The figures of one run. */
    public record Result(double ppl, double nllSum, long tokensScored, int windows) {
    }

    /**
     * Scores {@code ids}; {@code bosId} < 0 means no BOS prefix. {@code kvFormat} is the
     * cache format to score with.
     */
    public static Result compute(Transformer model, int[] ids, int ctx, int bosId, KvFormat kvFormat) {
        if (ctx < 2) {
            throw new IllegalArgumentException("--ctx must be at least 2, got " + ctx);
        }
        boolean bos = bosId >= 0;
        int blockSize = 64;
        int blocks = (ctx + 1 + blockSize - 1) / blockSize;
        var c = model.config();
        KvCacheSpec spec = new KvCacheSpec(c.numLayers(), c.numKvHeads(), c.headDim(), blockSize, blocks, kvFormat);
        int[] table = new int[blocks];
        Arrays.setAll(table, i -> i);
        double nll = 0;
        long scored = 0;
        int windows = 0;
        try (KvCache cache = PagedKvCache.create(spec)) {
            for (int start = 0; start < ids.length; start += ctx) {
                int[] window = Arrays.copyOfRange(ids, start, Math.min(ids.length, start + ctx));
                if (!bos && window.length < 2) {
                    continue; // nothing to predict
                }
                int[] input = bos ? prepend(bosId, window) : window;
                Logits logits = model.forward(List.of(new SequenceChunk(input, 0, table, LogitsMode.ALL)), cache);
                // position j predicts input[j + 1]
                for (int j = 0; j + 1 < input.length; j++) {
                    nll -= logSoftmaxAt(logits.data(), j * logits.vocab(), logits.vocab(), input[j + 1]);
                    scored++;
                }
                windows++;
            }
        }
        return new Result(Math.exp(nll / scored), nll, scored, windows);
    }

    private static int[] prepend(int first, int[] rest) {
        int[] out = new int[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    /** log softmax(row)[target], in double for a stable sum over thousands of tokens. */
    public static double logSoftmaxAt(float[] data, int off, int n, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, data[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(data[off + i] - max);
        }
        return data[off + target] - max - Math.log(sum);
    }
}
