package dev.turbo4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turbo4j.core.tokenizer.Tokenizer;
import dev.turbo4j.core.tokenizer.TokenizerLoader;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Prints token ids of a text, or of each line of a .jsonl file. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Tokenize text with a model's tokenizer; prints {\"ids\": [...]}.")
final class TokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL_OR_DIR", description = "Model folder, or a folder with only tokenizer files.")
    String dir;

    @ArgGroup(multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--text", paramLabel = "T", description = "The text.")
        String text;

        @Option(names = "--file", paramLabel = "F.jsonl", description = "One {\"text\": ...} object per line; prints one {\"ids\"} line each.")
        Path file;
    }

    @Option(names = "--special", description = "Add the special tokens the tokenizer's post-processor adds (e.g. BOS).")
    boolean special;

    @Override
    public Integer call() throws IOException {
        Tokenizer tokenizer = TokenizerLoader.load(ModelPaths.resolve(dir));
        ObjectMapper json = new ObjectMapper();
        PrintWriter out = spec.commandLine().getOut();
        if (input.text != null) {
            out.println(ids(json, tokenizer, input.text));
        } else {
            try (BufferedReader reader = Files.newBufferedReader(input.file)) {
                String line;
                int n = 0;
                while ((line = reader.readLine()) != null) {
                    n++;
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode node;
                    try {
                        node = json.readTree(line);
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        throw new UserException(input.file + ":" + n + ": not valid JSON (" + e.getOriginalMessage() + ")");
                    }
                    if (node == null || !node.has("text") || !node.get("text").isTextual()) {
                        throw new UserException(input.file + ":" + n + ": expected an object with a \"text\" string");
                    }
                    out.println(ids(json, tokenizer, node.get("text").asText()));
                }
            } catch (NoSuchFileException e) {
                throw new UserException(input.file + ": file not found");
            }
        }
        out.flush();
        return 0;
    }

    private String ids(ObjectMapper json, Tokenizer tokenizer, String text) throws IOException {
        ObjectNode node = json.createObjectNode();
        var arr = node.putArray("ids");
        for (int id : tokenizer.encode(text, special)) {
            arr.add(id);
        }
        return json.writeValueAsString(node);
    }
}
