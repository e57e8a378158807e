package dev.turbo4j.engine;

/**
 * Where a request stands in its session, as TurboMind's stream_infer flags.
 *
 * @param sequenceStart the session starts over: earlier history is dropped
 * @param sequenceEnd   the session ends with this request: its KV blocks are freed afterwards;
 *                      false keeps the history (and its KV cache) for the next turn
 * @param step          for a further turn: how many of the session's history tokens to keep
 *                      before the new ones, as TurboMind's {@code step} ({@link #ALL_HISTORY}:
 *                      all of them). Tokens past it are dropped and their KV blocks freed
 */
public record SubmitFlags(boolean sequenceStart, boolean sequenceEnd, int step) {
    /** {@link #step}: keep the whole history. */
    public static final int ALL_HISTORY = -1;
    /** A one-off request: fresh history, freed at the end. */
    public static final SubmitFlags STATELESS = new SubmitFlags(true, true);
    /** The first turn of a kept session. */
    public static final SubmitFlags NEW_SESSION = new SubmitFlags(true, false);
    /** A further turn of a kept session: only the new tokens are prefilled. */
    public static final SubmitFlags CONTINUE = new SubmitFlags(false, false);

    public SubmitFlags {
        if (step < ALL_HISTORY) {
            throw new IllegalArgumentException("step must be a token count >= 0, or ALL_HISTORY; got " + step);
        }
        if (sequenceStart && step != ALL_HISTORY) {
            throw new IllegalArgumentException("a request that starts its session over keeps no history: step must be ALL_HISTORY");
        }
    }

    public SubmitFlags(boolean sequenceStart, boolean sequenceEnd) {
        this(sequenceStart, sequenceEnd, ALL_HISTORY);
    }

    /**
     * A further turn that keeps the first {@code step} tokens of the session's history and drops
     * the rest (an answer's end the chat template renders differently, say), then appends the new
     * tokens. Only the dropped tail of a KV block is computed again.
     */
    public static SubmitFlags continueAt(int step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        return new SubmitFlags(false, false, step);
    }
}
