package dev.turbo4j.core.transformer;

/** Which positions of a chunk need logits. */
public enum LogitsMode {
    /** None (a prefill chunk that is not the prompt's last). */
    NONE,
    /** The last token only (generation). */
    LAST,
    /** Every token (perplexity, logprobs of the prompt). */
    ALL
}
