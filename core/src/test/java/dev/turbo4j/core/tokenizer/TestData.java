package dev.turbo4j.core.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/** Test data (see src/test/resources/PROVENANCE.md) and the tokenizers under test, loaded once. */
final class TestData {
    static final Path DEMO_MODEL = Path.of("../models/kjv-llama-tiny");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    /** A tokenizer under test: a name and the file or folder it is loaded from. */
    enum Subject {
        LLAMA3("llama3", "tokenizers/llama3"),
        QWEN2("qwen2", "tokenizers/qwen2"),
        GPT2("gpt2", "tokenizers/gpt2"),
        LLAMA2_JSON("llama2 tokenizer.json", "tokenizers/llama2"),
        LLAMA2_MODEL("llama2 tokenizer.model", "tokenizers/llama2/tokenizer.model"),
        PHI3("phi3", "tokenizers/phi3"),
        MISTRAL_V1("mistral v1 tokenizer.model", "tokenizers/mistral"),
        MISTRAL_V3("mistral v3 tokenizer.v3.model", "tokenizers/mistral/tokenizer.v3.model"),
        INTERNLM2("internlm2 tokenizer.model", "tokenizers/internlm2"),
        KJV_JSON("kjv-llama-tiny tokenizer.json", null),
        KJV_MODEL("kjv-llama-tiny tokenizer.model", null);

        final String label;
        private final String resource;

        Subject(String label, String resource) {
            this.label = label;
            this.resource = resource;
        }

        Tokenizer tokenizer() {
            return TOKENIZERS.computeIfAbsent(name(), k -> load());
        }

        private Tokenizer load() {
            return switch (this) {
                case KJV_JSON -> TokenizerLoader.loadFile(DEMO_MODEL.resolve("tokenizer.json"));
                case KJV_MODEL -> TokenizerLoader.loadFile(DEMO_MODEL.resolve("tokenizer.model"));
                default -> {
                    Path path = resource(resource);
                    yield Files.isDirectory(path) ? TokenizerLoader.load(path) : TokenizerLoader.loadFile(path);
                }
            };
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** One expected encoding from a cases.jsonl line (ids_special and decoded may be null). */
    record Case(Subject subject, String source, int line, String text, int[] ids, int[] idsSpecial, String decoded) {
        @Override
        public String toString() {
            return subject.label + " " + source + ":" + line + " " + abbreviate(text);
        }
    }

    private TestData() {
    }

    static Path resource(String relative) {
        try {
            return Path.of(TestData.class.getResource("/" + relative).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource missing: " + relative, e);
        }
    }

    static List<JsonNode> jsonLines(Path file) {
        try {
            List<JsonNode> lines = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    lines.add(JSON.readTree(line));
                }
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every line of a cases.jsonl file. */
    static Stream<Case> cases(Subject subject, String file) {
        List<JsonNode> lines = jsonLines(resource(file));
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode n = lines.get(i);
            cases.add(new Case(subject, file, i + 1, n.get("text").asText(), ints(n.get("ids")),
                    ints(n.get("ids_special")), n.has("decoded") ? n.get("decoded").asText() : null));
        }
        return cases.stream();
    }

    /** All cases.jsonl lines of all tokenizers. */
    static Stream<Case> allReferenceCases() {
        return Stream.of(
                cases(Subject.LLAMA3, "tokenizers/llama3/cases.jsonl"),
                cases(Subject.QWEN2, "tokenizers/qwen2/cases.jsonl"),
                cases(Subject.GPT2, "tokenizers/gpt2/cases.jsonl"),
                cases(Subject.LLAMA2_JSON, "tokenizers/llama2/cases.jsonl"),
                // The README: SentencePiece on llama2/tokenizer.model agrees with tokenizer.json on every line.
                cases(Subject.LLAMA2_MODEL, "tokenizers/llama2/cases.jsonl"),
                cases(Subject.PHI3, "tokenizers/phi3/cases.jsonl"),
                cases(Subject.MISTRAL_V1, "tokenizers/mistral/cases.jsonl"),
                cases(Subject.MISTRAL_V3, "tokenizers/mistral/cases_v3.jsonl"),
                cases(Subject.INTERNLM2, "tokenizers/internlm2/cases.jsonl"))
                .flatMap(s -> s);
    }

    /** llama.cpp test vectors: texts split on the separator line, one line of ids per text. */
    static Stream<Case> llamaCppVectors(Subject subject, String baseName) {
        try {
            String input = Files.readString(resource(baseName + ".inp"), StandardCharsets.UTF_8);
            List<String> texts = new ArrayList<>(Arrays.asList(input.split("\n__ggml_vocab_test__\n", -1)));
            if (texts.getLast().isEmpty()) {
                texts.removeLast();
            }
            List<String> outputs = Files.readAllLines(resource(baseName + ".out"), StandardCharsets.UTF_8);
            if (outputs.size() != texts.size()) {
                throw new IllegalStateException(baseName + ": " + texts.size() + " texts but " + outputs.size() + " id lines");
            }
            List<Case> cases = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                String out = outputs.get(i).trim();
                int[] ids = out.isEmpty() ? new int[0] : Arrays.stream(out.split(" +")).mapToInt(Integer::parseInt).toArray();
                cases.add(new Case(subject, baseName.substring(baseName.lastIndexOf('/') + 1), i + 1, texts.get(i), ids,
                        null, null));
            }
            return cases.stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        if (array == null || array.isNull()) {
            return null;
        }
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asInt();
        }
        return values;
    }

    static String abbreviate(String text) {
        String oneLine = text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
        return "\"" + (oneLine.length() > 40 ? oneLine.substring(0, 40) + "…" : oneLine) + "\"";
    }
}
