package dev.turbo4j.core.quant.awq;

import dev.turbo4j.core.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Calibration sequences: a text tokenized as one string and cut into consecutive windows,
 * each fed as [BOS] + window (as the model sees text at inference and in perplexity runs).
 * LMDeploy likewise concatenates its calibration documents and splits them into blocks of
 * calib_seqlen tokens.
 *
 * @param source  where the text came from, for reports
 * @param samples the sequences, all {@code length} tokens long
 * @param bosId   the BOS id that starts each sequence, or −1 when the tokenizer has none
 */
public record CalibrationSet(String source, int[][] samples, int bosId) {
    /** The --calib-dataset value that selects the bundled text. */
    public static final String BUILTIN = "builtin";
    private static final String BUILTIN_RESOURCE = "/calibration/kjv-calibration.txt";

    /** Reads {@code dataset} ("builtin" or a file) and cuts it into at most {@code count} sequences. */
    public static CalibrationSet load(String dataset, Tokenizer tokenizer, int count, int length) {
        return of(dataset, readText(dataset), tokenizer, count, length);
    }

    /** Cuts a text into at most {@code count} sequences of {@code length} tokens (BOS included). */
    public static CalibrationSet of(String source, String text, Tokenizer tokenizer, int count, int length) {
        int bos = tokenizer.bosId();
        int window = bos >= 0 ? length - 1 : length;
        if (window < 1) {
            throw new IllegalArgumentException("--calib-seqlen " + length + " leaves no room for text after BOS");
        }
        int[] ids = tokenizer.encode(text, false);
        int available = ids.length / window;
        if (available == 0) {
            throw new IllegalArgumentException("the calibration text " + source + " has " + ids.length
                    + " tokens, fewer than one sequence of " + length);
        }
        int[][] samples = new int[Math.min(count, available)][];
        for (int i = 0; i < samples.length; i++) {
            int[] window0 = Arrays.copyOfRange(ids, i * window, (i + 1) * window);
            samples[i] = bos >= 0 ? prepend(bos, window0) : window0;
        }
        return new CalibrationSet(source, samples, bos);
    }

    /** The bundled text (public-domain KJV passages from the demo model's training split). */
    public static String builtinText() {
        try (InputStream in = CalibrationSet.class.getResourceAsStream(BUILTIN_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + BUILTIN_RESOURCE + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readText(String dataset) {
        if (dataset.equals(BUILTIN)) {
            return builtinText();
        }
        Path file = Path.of(dataset);
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException("--calib-dataset " + dataset + " is a folder; give a UTF-8 text file");
        }
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            // LMDeploy's named sets (ptb, c4, wikitext2, pileval) are downloads from the Hub.
            boolean named = List.of("ptb", "c4", "wikitext2", "pileval").contains(dataset);
            throw new IllegalArgumentException("--calib-dataset " + dataset + ": file not found (give a UTF-8 text file, or "
                    + BUILTIN + " for the bundled sample" + (named ? "; LMDeploy's named datasets are downloads this"
                    + " tool does not make: save the text and give its path" : "") + ")");
        } catch (MalformedInputException e) {
            throw new IllegalArgumentException("--calib-dataset " + dataset + ": not UTF-8 text");
        } catch (IOException e) {
            throw new IllegalArgumentException("--calib-dataset " + dataset + ": cannot be read (" + e.getMessage() + ")", e);
        }
    }

    /** Tokens per sequence. */
    public int length() {
        return samples[0].length;
    }

    public int count() {
        return samples.length;
    }

    /** All sequences' text tokens, without their BOS, in order (for a perplexity run). */
    public int[] textTokens() {
        int skip = bosId >= 0 ? 1 : 0;
        int[] out = new int[samples.length * (length() - skip)];
        for (int i = 0; i < samples.length; i++) {
            System.arraycopy(samples[i], skip, out, i * (length() - skip), length() - skip);
        }
        return out;
    }

    private static int[] prepend(int first, int[] rest) {
        int[] out = new int[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }
}
