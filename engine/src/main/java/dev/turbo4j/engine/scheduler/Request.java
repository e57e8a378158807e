package dev.turbo4j.engine.scheduler;

import dev.turbo4j.core.sampling.GenerationConfig;
import dev.turbo4j.core.sampling.Sampler;
import dev.turbo4j.core.sampling.TokenLogprobs;
import dev.turbo4j.core.tokenizer.StreamingDecoder;
import dev.turbo4j.core.tokenizer.Tokenizer;
import dev.turbo4j.engine.SubmitFlags;

import java.util.Set;

/** One submitted request and its generation state, owned by the engine thread once admitted. */
public final class Request {
    final long sessionId;
    final int[] input;
    final GenerationConfig config;
    final SubmitFlags flags;
    final Output output;
    final Sampler sampler;
    final StreamingDecoder decoder;
    final StopStringFilter stops;
    final Set<Integer> stopIds;
    final long submittedNanos = System.nanoTime();
    volatile boolean cancelled;
    int generated;
    int historyTokens;
    /** Order of admission; the newest running request is preempted first. */
    long admittedAt;

    /** Where the engine sends what a request produces. */
    public interface Output {
        void started(int promptTokens, int historyTokens);

        /** A generated id, the text it completed, and its log-probabilities (null unless asked for). */
        void token(int id, String text, TokenLogprobs logprobs);

        void text(String text);

        void finished(dev.turbo4j.engine.FinishReason reason);

        void failed(RuntimeException e);
    }

    public Request(long sessionId, int[] input, GenerationConfig config, SubmitFlags flags, Tokenizer tokenizer,
                   Set<Integer> eosIds, Output output) {
        this.sessionId = sessionId;
        this.input = input.clone();
        this.config = config;
        this.flags = flags;
        this.output = output;
        java.util.HashSet<Integer> ids = new java.util.HashSet<>(config.stopTokenIds());
        if (!config.ignoreEos()) {
            ids.addAll(eosIds);
        }
        this.stopIds = Set.copyOf(ids);
        this.sampler = new Sampler(config, stopIds);
        this.decoder = tokenizer.streamingDecoder(config.skipSpecialTokens(), input);
        this.stops = new StopStringFilter(config.stopWords());
    }

    public long sessionId() {
        return sessionId;
    }

    /** Asks the engine to stop this request at its next step. */
    public void cancel() {
        cancelled = true;
    }
}
