package dev.turbo4j.engine;

import java.util.Locale;

/** Why a generation ended, with OpenAI's names. */
public enum FinishReason {
    /** EOS, a stop token or a stop string. */
    STOP,
    /** max_new_tokens or the session length reached. */
    LENGTH,
    /** Cancelled. */
    ABORT;

    /** "stop", "length", "abort". */
    public String openAiName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
