package dev.turbo4j.engine;

/**
 * A request meant to continue a session ({@link SubmitFlags#sequenceStart()} false) named one the
 * engine does not hold: it was ended, or never started. Resubmit the whole conversation with
 * {@link SubmitFlags#NEW_SESSION}, as {@link ChatSession} does.
 */
public final class UnknownSessionException extends RequestRejectedException {
    public UnknownSessionException(long sessionId) {
        super("session " + sessionId + " has no history to continue (it was ended, or never started); submit the "
                + "whole conversation with SubmitFlags.NEW_SESSION");
    }
}
