package dev.turbo4j.engine;

import dev.turbo4j.core.sampling.TokenLogprobs;

import java.util.List;

/**
 * The outcome of one request.
 *
 * @param text             generated text (stop string excluded)
 * @param tokenIds         generated ids, in order (a final EOS or stop id included)
 * @param promptTokens     tokens prefilled for this request
 * @param historyTokens    tokens the session held before this request
 * @param finishReason     why it ended
 * @param firstTokenNanos  time from submission to the first generated token
 * @param totalNanos       time from submission to the end
 * @param logprobs         per generated id, its log-probabilities; empty unless the config asked for them
 */
public record GenerationResult(String text, int[] tokenIds, int promptTokens, int historyTokens,
                               FinishReason finishReason, long firstTokenNanos, long totalNanos,
                               List<TokenLogprobs> logprobs) {

    public int completionTokens() {
        return tokenIds.length;
    }

    /** Decode speed: tokens after the first, per second of decoding. */
    public double decodeTokensPerSecond() {
        long decodeNanos = totalNanos - firstTokenNanos;
        return tokenIds.length > 1 && decodeNanos > 0 ? (tokenIds.length - 1) * 1e9 / decodeNanos : 0;
    }
}
