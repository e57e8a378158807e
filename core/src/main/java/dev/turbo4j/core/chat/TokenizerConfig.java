package dev.turbo4j.core.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turbo4j.core.model.ModelLoadException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What chat templates need from a Hugging Face {@code tokenizer_config.json}: the
 * {@code chat_template} (a string, or a list of {@code {"name", "template"}} of which
 * {@code "default"} is used) and the special tokens, each a string or {@code {"content": ...}}.
 */
record TokenizerConfig(Optional<String> chatTemplate, Map<String, String> specialTokens) {

    private static final List<String> SPECIAL_TOKEN_KEYS = List.of("bos_token", "eos_token", "unk_token", "pad_token");

    static TokenizerConfig read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelLoadException(file + ": cannot read it as JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelLoadException(file + ": expected a JSON object");
        }
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String key : SPECIAL_TOKEN_KEYS) {
            JsonNode token = root.get(key);
            if (token != null && token.isObject()) {
                token = token.get("content");
            }
            if (token != null && token.isTextual()) {
                tokens.put(key, token.asText());
            }
        }
        return new TokenizerConfig(chatTemplate(file, root.get("chat_template")), tokens);
    }

    private static Optional<String> chatTemplate(Path file, JsonNode node) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (node.isTextual()) {
            return Optional.of(node.asText());
        }
        if (node.isArray()) {
            List<String> names = new ArrayList<>();
            for (JsonNode named : node) {
                String name = named.path("name").asText();
                if (name.equals("default") && named.path("template").isTextual()) {
                    return Optional.of(named.get("template").asText());
                }
                names.add(name);
            }
            throw new ModelLoadException(file + ": chat_template lists templates " + names
                + " but none named \"default\"");
        }
        throw new ModelLoadException(file + ": chat_template must be a string or a list of {name, template}");
    }
}
