package dev.turbo4j.engine;

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
 */
public record GenerationResult(String text, int[] tokenIds, int promptTokens, int historyTokens,
                               FinishReason finishReason, long firstTokenNanos, long totalNanos) {

    public int completionTokens() {
        return tokenIds.length;
    }

    /** Decode speed: tokens after the first, per second of decoding. */
    public double decodeTokensPerSecond() {
        long decodeNanos = totalNanos - firstTokenNanos;
        return tokenIds.length > 1 && decodeNanos > 0 ? (tokenIds.length - 1) * 1e9 / decodeNanos : 0;
    }
}
