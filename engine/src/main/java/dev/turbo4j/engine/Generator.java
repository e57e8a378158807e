package dev.turbo4j.engine;

import dev.turbo4j.core.kvcache.KvCache;
import dev.turbo4j.core.kvcache.KvCacheSpec;
import dev.turbo4j.core.kvcache.KvFormat;
import dev.turbo4j.core.kvcache.PagedKvCache;
import dev.turbo4j.core.model.ModelConfig;
import dev.turbo4j.core.sampling.GenerationConfig;
import dev.turbo4j.core.sampling.Sampler;
import dev.turbo4j.core.tokenizer.StreamingDecoder;
import dev.turbo4j.core.tokenizer.Tokenizer;
import dev.turbo4j.core.transformer.Logits;
import dev.turbo4j.core.transformer.LogitsMode;
import dev.turbo4j.core.transformer.SequenceChunk;
import dev.turbo4j.core.transformer.Transformer;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Generates for one session at a time over its own KV cache of {@code sessionLen} tokens:
 * prefill of the new tokens (in chunks of at most {@code maxPrefillTokens}), then one
 * decode step per token, streaming text to a listener. The session's cache stays between
 * calls, so a chat turn prefills only its new tokens.
 */
public final class Generator implements AutoCloseable {
    private final Transformer model;
    private final Tokenizer tokenizer;
    private final KvCache cache;
    private final int sessionLen;
    private final int maxPrefillTokens;
    private final Set<Integer> eosIds;

    public Generator(Transformer model, Tokenizer tokenizer, int sessionLen, int maxPrefillTokens, KvFormat kvFormat,
                     List<Integer> eosIds) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.sessionLen = sessionLen;
        this.maxPrefillTokens = maxPrefillTokens;
        this.eosIds = new HashSet<>(eosIds);
        ModelConfig c = model.config();
        int blockSize = 64;
        int blocks = (sessionLen + blockSize - 1) / blockSize;
        this.cache = PagedKvCache.create(new KvCacheSpec(c.numLayers(), c.numKvHeads(), c.headDim(), blockSize, blocks, kvFormat));
    }

    public int sessionLen() {
        return sessionLen;
    }

    /** A fresh session whose KV lives in this generator's cache. */
    public Sequence newSession(long id) {
        Sequence s = new Sequence(id);
        int[] table = new int[cache.spec().numBlocks()];
        Arrays.setAll(table, i -> i);
        s.setBlockTable(table);
        return s;
    }

    /**
     * Appends {@code newTokens} to the session and generates. Refuses (IllegalArgumentException)
     * a turn that would not fit in the session length.
     */
    public GenerationResult generate(Sequence seq, int[] newTokens, GenerationConfig config, TokenListener listener) {
        long start = System.nanoTime();
        if (seq.length() + newTokens.length >= sessionLen) {
            throw new IllegalArgumentException("the prompt needs " + (seq.length() + newTokens.length)
                    + " tokens of context but the session length is " + sessionLen
                    + (seq.length() > 0 ? " (" + seq.length() + " already used by this session; start a new one)" : "")
                    + "; use a shorter prompt or a larger --session-len");
        }
        if (newTokens.length == 0 && seq.cachedLength() == seq.length()) {
            throw new IllegalArgumentException("the prompt is empty: give at least one token");
        }
        seq.append(newTokens);
        int promptTokens = seq.length() - seq.cachedLength();
        Sampler sampler = new Sampler(config);
        StreamingDecoder decoder = tokenizer.streamingDecoder(config.skipSpecialTokens());
        StopStrings stops = new StopStrings(config.stopWords());
        Set<Integer> stopIds = new HashSet<>(config.stopTokenIds());
        int[] generated = new int[Math.max(16, Math.min(config.maxNewTokens(), 4096))];
        int count = 0;
        long firstToken = 0;
        FinishReason reason = FinishReason.LENGTH;
        Logits logits = prefill(seq);
        while (count < config.maxNewTokens()) {
            float[] row = logits.row(0);
            int next = sampler.sample(row, seq.tokenArray(), seq.length());
            if (count == 0) {
                firstToken = System.nanoTime() - start;
            }
            if (count == generated.length) {
                generated = Arrays.copyOf(generated, count * 2);
            }
            generated[count++] = next;
            seq.append(next);
            boolean isEos = eosIds.contains(next) && !config.ignoreEos();
            boolean isStop = isEos || stopIds.contains(next);
            String delta = isStop ? "" : stops.append(decoder.next(next));
            listener.onToken(next, delta);
            if (isStop || stops.stopped()) {
                reason = FinishReason.STOP;
                break;
            }
            if (seq.length() >= sessionLen) {
                reason = FinishReason.LENGTH;
                break;
            }
            if (count < config.maxNewTokens()) {
                logits = step(seq);
            }
        }
        if (!stops.stopped()) {
            String tail = stops.append(decoder.flush()) + stops.finish();
            if (!tail.isEmpty()) {
                listener.onToken(-1, tail);
            }
        }
        if (count == 0) {
            firstToken = System.nanoTime() - start;
        }
        return new GenerationResult(stops.text(), Arrays.copyOf(generated, count), promptTokens, reason, firstToken,
                System.nanoTime() - start);
    }

    /** Runs the uncached tokens of the session through the model; returns the last logits. */
    private Logits prefill(Sequence seq) {
        Logits logits = null;
        int[] tokens = seq.tokenArray();
        while (seq.cachedLength() < seq.length()) {
            int from = seq.cachedLength();
            int to = Math.min(seq.length(), from + maxPrefillTokens);
            boolean last = to == seq.length();
            logits = model.forward(List.of(new SequenceChunk(Arrays.copyOfRange(tokens, from, to), from,
                    seq.blockTable(), last ? LogitsMode.LAST : LogitsMode.NONE)), cache);
            seq.markCached(to);
        }
        return logits;
    }

    private Logits step(Sequence seq) {
        return prefill(seq);
    }

    /** Clears a session's history (its blocks are reused from position 0). */
    public void reset(Sequence seq) {
        seq.reset();
    }

    @Override
    public void close() {
        cache.close();
    }
}
