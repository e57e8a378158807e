package dev.turbo4j.core.kernel;

/**
 * A matrix multiply over an {@link Int8ChannelWeight}; same contract, batch invariance
 * included, as {@link Int4Kernel}.
 */
public interface Int8Kernel {
    void multiply(Int8ChannelWeight w, float[] x, int tokens, float[] y, int rowStart, int rowEnd);
}
