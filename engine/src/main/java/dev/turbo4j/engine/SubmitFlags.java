package dev.turbo4j.engine;

/**
 * Where a request stands in its session, as TurboMind's stream_infer flags.
 *
 * @param sequenceStart the session starts over: earlier history is dropped
 * @param sequenceEnd   the session ends with this request: its KV blocks are freed afterwards;
 *                      false keeps the history (and its KV cache) for the next turn
 */
public record SubmitFlags(boolean sequenceStart, boolean sequenceEnd) {
    /** A one-off request: fresh history, freed at the end. */
    public static final SubmitFlags STATELESS = new SubmitFlags(true, true);
    /** The first turn of a kept session. */
    public static final SubmitFlags NEW_SESSION = new SubmitFlags(true, false);
    /** A further turn of a kept session: only the new tokens are prefilled. */
    public static final SubmitFlags CONTINUE = new SubmitFlags(false, false);
}
