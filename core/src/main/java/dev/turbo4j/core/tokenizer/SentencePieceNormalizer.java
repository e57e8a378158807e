package dev.turbo4j.core.tokenizer;

/**
 * SentencePiece's text normalization for models with the identity character map: optional
 * whitespace cleanup, the dummy "▁" prefix (or suffix), and spaces written as "▁".
 */
final class SentencePieceNormalizer {
    static final char SPACE_SYMBOL = SpaceSymbolChunks.SPACE_SYMBOL;

    private final boolean addDummyPrefix;
    private final boolean removeExtraWhitespaces;
    private final boolean escapeWhitespaces;
    private final boolean treatWhitespaceAsSuffix;

    SentencePieceNormalizer(SentencePieceModelFile.NormalizerSpec spec, boolean treatWhitespaceAsSuffix) {
        this.addDummyPrefix = spec.addDummyPrefix();
        this.removeExtraWhitespaces = spec.removeExtraWhitespaces();
        this.escapeWhitespaces = spec.escapeWhitespaces();
        this.treatWhitespaceAsSuffix = treatWhitespaceAsSuffix;
    }

    String normalize(String text) {
        int from = 0;
        if (removeExtraWhitespaces) {
            while (from < text.length() && text.charAt(from) == ' ') {
                from++;
            }
        }
        if (from == text.length()) {
            return ""; // empty, or only spaces that are removed
        }
        char space = escapeWhitespaces ? SPACE_SYMBOL : ' ';
        StringBuilder out = new StringBuilder(text.length() - from + 2);
        if (addDummyPrefix && !treatWhitespaceAsSuffix) {
            out.append(space);
        }
        boolean previousWasSpace = false;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ' ') {
                if (!(removeExtraWhitespaces && previousWasSpace)) {
                    out.append(space);
                }
                previousWasSpace = true;
            } else {
                out.append(c);
                previousWasSpace = false;
            }
        }
        if (removeExtraWhitespaces) {
            while (!out.isEmpty() && out.charAt(out.length() - 1) == space) {
                out.setLength(out.length() - 1);
            }
        }
        if (addDummyPrefix && treatWhitespaceAsSuffix) {
            out.append(space);
        }
        return out.toString();
    }

    /** Whether decoding should drop the "▁" that normalization put at the start. */
    boolean stripsLeadingSpaceOnDecode() {
        return addDummyPrefix || removeExtraWhitespaces;
    }

    boolean removesExtraWhitespaces() {
        return removeExtraWhitespaces;
    }
}
