package dev.turbo4j.core.tokenizer;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tokenizer.json decoder step: turns the list of token strings into (fewer) strings; the
 * decoded text is the concatenation of what the last step returns.
 */
sealed interface Decoder {

    List<String> decodeChain(List<String> tokens);

    /** Applies each decoder to the output of the previous one. */
    record Sequence(List<Decoder> decoders) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            for (Decoder decoder : decoders) {
                tokens = decoder.decodeChain(tokens);
            }
            return tokens;
        }
    }

    /** Byte-level BPE: all tokens back to bytes, then lossy UTF-8. */
    record ByteLevel() implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (String token : tokens) {
                ByteLevelAlphabet.appendBytes(token, bytes);
            }
            byte[] all = bytes.toByteArray();
            return List.of(Utf8.decodeLossy(all, 0, all.length));
        }
    }

    /** Replaces a literal or regex in every token ("▁" back to " "). */
    record Replace(Pattern pattern, String content) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            String replacement = Matcher.quoteReplacement(content);
            List<String> out = new ArrayList<>(tokens.size());
            for (String token : tokens) {
                out.add(pattern.matcher(token).replaceAll(replacement));
            }
            return out;
        }
    }

    /**
     * Turns runs of byte tokens ({@code <0xE2>}) into text; a run that is not valid UTF-8 becomes
     * one U+FFFD per byte, as Hugging Face does.
     */
    record ByteFallback() implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            ByteArrayOutputStream run = new ByteArrayOutputStream();
            for (String token : tokens) {
                int b = byteOf(token);
                if (b >= 0) {
                    run.write(b);
                    continue;
                }
                flushRun(run, out);
                out.add(token);
            }
            flushRun(run, out);
            return out;
        }

        private static void flushRun(ByteArrayOutputStream run, List<String> out) {
            if (run.size() == 0) {
                return;
            }
            byte[] bytes = run.toByteArray();
            String text = Utf8.decodeStrict(bytes, 0, bytes.length);
            if (text != null) {
                out.add(text);
            } else {
                for (int i = 0; i < bytes.length; i++) {
                    out.add(String.valueOf(Utf8.REPLACEMENT));
                }
            }
            run.reset();
        }

        /** The byte a {@code <0xHH>} token stands for, or -1. */
        static int byteOf(String token) {
            if (token.length() != 6 || !token.startsWith("<0x") || token.charAt(5) != '>') {
                return -1;
            }
            int high = Character.digit(token.charAt(3), 16);
            int low = Character.digit(token.charAt(4), 16);
            return high < 0 || low < 0 ? -1 : high * 16 + low;
        }
    }

    /** Joins all tokens into one. */
    record Fuse() implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            return List.of(String.join("", tokens));
        }
    }

    /** Removes up to {@code start} leading and {@code stop} trailing {@code content} characters of every token. */
    record Strip(char content, int start, int stop) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String token : tokens) {
                int from = 0;
                while (from < start && from < token.length() && token.charAt(from) == content) {
                    from++;
                }
                int to = token.length();
                for (int i = 0; i < stop && to > from && token.charAt(to - 1) == content; i++) {
                    to--;
                }
                out.add(token.substring(from, to));
            }
            return out;
        }
    }

    /**
     * Metaspace: "▁" back to " "; in the first token the replacement is dropped instead (it is
     * the space the pre-tokenizer prepended), unless nothing was prepended.
     */
    record Metaspace(char replacement, PreTokenizer.PrependScheme prependScheme) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String token = tokens.get(i);
                if (i == 0 && prependScheme != PreTokenizer.PrependScheme.NEVER) {
                    out.add(token.replace(String.valueOf(replacement), ""));
                } else {
                    out.add(token.replace(replacement, ' '));
                }
            }
            return out;
        }
    }
}
