package dev.turbo4j.core.transformer;

import dev.turbo4j.core.kvcache.KvCache;
import dev.turbo4j.core.kvcache.KvCacheSpec;
import dev.turbo4j.core.kvcache.KvFormat;
import dev.turbo4j.core.kvcache.PagedKvCache;
import dev.turbo4j.core.sampling.TokenLogprobs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The log-probability of every prompt token after the first, given the tokens before it, with
 * the most likely alternatives at each position: vLLM's {@code prompt_logprobs}, what OpenAI's
 * {@code echo} with {@code logprobs} returns and what evaluation harnesses score answers with.
 * The raw model distribution: no penalties, bias or temperature.
 */
public final class PromptLogprobs {
    /** Positions per forward pass: bounds the logits held at once (a row per position). */
    static final int CHUNK = 64;

    private PromptLogprobs() {
    }

    /** Entry i is for {@code ids[i + 1]}; {@code top} alternatives each. */
    public static List<TokenLogprobs> compute(Transformer model, int[] ids, int top, KvFormat kvFormat) {
        var c = model.config();
        int blockSize = 64;
        int blocks = (ids.length + blockSize - 1) / blockSize;
        KvCacheSpec spec = new KvCacheSpec(c.numLayers(), c.numKvHeads(), c.headDim(), blockSize, blocks, kvFormat);
        int[] table = new int[blocks];
        Arrays.setAll(table, i -> i);
        List<TokenLogprobs> out = new ArrayList<>(Math.max(0, ids.length - 1));
        try (KvCache cache = PagedKvCache.create(spec)) {
            // The last token predicts nothing in the prompt: the chunks stop before it.
            for (int start = 0; start < ids.length - 1; start += CHUNK) {
                int end = Math.min(ids.length - 1, start + CHUNK);
                Logits logits = model.forward(List.of(new SequenceChunk(Arrays.copyOfRange(ids, start, end), start,
                        table, LogitsMode.ALL)), cache);
                for (int row = 0; row < end - start; row++) {
                    float[] dist = Arrays.copyOfRange(logits.data(), row * logits.vocab(), (row + 1) * logits.vocab());
                    out.add(TokenLogprobs.of(dist, ids[start + row + 1], top));
                }
            }
        }
        return out;
    }
}
