package dev.turbo4j.bench;

import dev.turbo4j.core.tokenizer.Tokenizer;
import dev.turbo4j.core.tokenizer.TokenizerLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding speed: 1 MB of English text on one thread. Run as a plain main (warm-up, then the
 * time of each run) or through JMH ({@code encodeOneMegabyte}).
 *
 * <pre>
 * java -cp "bench/target/turbo4j-bench.jar:bench/target/lib/*" dev.turbo4j.bench.TokenizerBench \
 *     [tokenizer folder or file] [text file]
 * </pre>
 * Defaults: the Llama-3 tokenizer of the core test data, and the held-out KJV verses of the
 * demo model's golden tokenization data; the text is repeated up to 1 MB.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class TokenizerBench {
    static final String DEFAULT_TOKENIZER = "core/src/test/resources/tokenizers/llama3";
    static final String DEFAULT_TEXT = "core/src/test/resources/golden/kjv-llama-tiny/tokenization.jsonl";
    static final int TEXT_BYTES = 1 << 20;

    @Param(DEFAULT_TOKENIZER)
    public String tokenizerPath;

    @Param(DEFAULT_TEXT)
    public String textPath;

    private Tokenizer tokenizer;
    private String text;

    @Setup
    public void setUp() throws IOException {
        tokenizer = load(Path.of(tokenizerPath));
        text = oneMegabyteOf(Path.of(textPath));
    }

    @Benchmark
    public int[] encodeOneMegabyte() {
        return tokenizer.encode(text, false);
    }

    public static void main(String[] args) throws IOException {
        Path tokenizerPath = Path.of(args.length > 0 ? args[0] : DEFAULT_TOKENIZER);
        Path textPath = Path.of(args.length > 1 ? args[1] : DEFAULT_TEXT);
        long loadStart = System.nanoTime();
        Tokenizer tokenizer = load(tokenizerPath);
        System.out.printf("loaded %s in %d ms%n", tokenizerPath, (System.nanoTime() - loadStart) / 1_000_000);
        String text = oneMegabyteOf(textPath);
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        int tokens = 0;
        for (int i = 0; i < 10; i++) { // warm-up: lets C2 compile the hot loops
            tokens = tokenizer.encode(text, false).length;
        }
        double[] millis = new double[10];
        for (int i = 0; i < millis.length; i++) {
            long start = System.nanoTime();
            tokenizer.encode(text, false);
            millis[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(millis);
        System.out.printf("encode %d bytes -> %d tokens: best %.1f ms, median %.1f ms, worst %.1f ms (%.1f MB/s at median)%n",
                bytes, tokens, millis[0], millis[millis.length / 2], millis[millis.length - 1],
                bytes / 1e6 / (millis[millis.length / 2] / 1e3));
    }

    private static Tokenizer load(Path path) {
        return Files.isDirectory(path) ? TokenizerLoader.load(path) : TokenizerLoader.loadFile(path);
    }

    /**
     * The file's text (for a .jsonl file, its "text" fields, one per line) repeated up to 1 MB
     * of UTF-8.
     */
    static String oneMegabyteOf(Path file) throws IOException {
        String content = Files.readString(file, StandardCharsets.UTF_8);
        if (file.toString().endsWith(".jsonl")) {
            StringBuilder texts = new StringBuilder();
            var json = new com.fasterxml.jackson.databind.ObjectMapper();
            for (String line : content.split("\n")) {
                if (!line.isBlank() && json.readTree(line).path("source").asText().equals("heldout")) {
                    texts.append(json.readTree(line).get("text").asText()).append('\n');
                }
            }
            content = texts.toString();
        }
        if (content.isEmpty()) {
            throw new IllegalArgumentException(file + " has no text");
        }
        StringBuilder text = new StringBuilder(TEXT_BYTES + content.length());
        while (text.length() < TEXT_BYTES) { // the texts used are (almost) ASCII: chars ≈ bytes
            text.append(content);
        }
        return text.substring(0, TEXT_BYTES);
    }
}
