package dev.turbo4j.core.transformer;

/**
 * The tokens one sequence contributes to a forward step: {@code tokens} at positions
 * startPosition, startPosition + 1, ...; a prefill chunk has many, a decode step one. The
 * block table must already cover every position up to startPosition + tokens.length - 1;
 * earlier positions must already hold this sequence's keys and values.
 */
public record SequenceChunk(int[] tokens, int startPosition, int[] blockTable, LogitsMode logits) {
    public SequenceChunk {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("a chunk needs at least one token");
        }
        if (startPosition < 0) {
            throw new IllegalArgumentException("negative start position");
        }
    }

    /** Positions covered once this chunk is written: its context length. */
    public int endPosition() {
        return startPosition + tokens.length;
    }

    /** Rows of logits this chunk asks for. */
    public int logitRows() {
        return switch (logits) {
            case NONE -> 0;
            case LAST -> 1;
            case ALL -> tokens.length;
        };
    }
}
