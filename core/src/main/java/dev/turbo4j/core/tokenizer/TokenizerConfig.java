package dev.turbo4j.core.tokenizer;

import dev.turbo4j.core.model.ModelJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.turbo4j.core.model.ModelLoadException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What transformers reads from a folder's tokenizer_config.json (and special_tokens_map.json):
 * whether BOS/EOS are added and which tokens they are (encoding), the special tokens a chat
 * template may use, and the chat template itself.
 *
 * @param addBosToken   null when the file does not say
 * @param addEosToken   null when the file does not say
 * @param bosToken      null when unknown
 * @param eosToken      null when unknown
 * @param specialTokens bos_token, eos_token, unk_token, pad_token where given, as strings
 * @param chatTemplate  the {@code chat_template} (a string, or the "default" of a list of
 *                      {@code {"name", "template"}})
 */
public record TokenizerConfig(Boolean addBosToken, Boolean addEosToken, String bosToken, String eosToken,
                              Map<String, String> specialTokens, Optional<String> chatTemplate) {

    static final TokenizerConfig NONE = new TokenizerConfig(null, null, null, null, Map.of(), Optional.empty());

    private static final List<String> SPECIAL_TOKEN_KEYS = List.of("bos_token", "eos_token", "unk_token", "pad_token");

    /** Reads the folder's tokenizer_config.json and special_tokens_map.json; both are optional. */
    public static TokenizerConfig read(Path dir) {
        Path configFile = dir.resolve("tokenizer_config.json");
        JsonNode config = ModelJson.read(configFile);
        JsonNode specialTokens = ModelJson.read(dir.resolve("special_tokens_map.json"));
        if (config != null && !config.isObject()) {
            throw new ModelLoadException(configFile + ": expected a JSON object");
        }
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String key : SPECIAL_TOKEN_KEYS) {
            String token = firstToken(config, specialTokens, key);
            if (token != null) {
                tokens.put(key, token);
            }
        }
        return new TokenizerConfig(
                booleanOrNull(config, "add_bos_token"),
                booleanOrNull(config, "add_eos_token"),
                firstToken(config, specialTokens, "bos_token"),
                firstToken(config, specialTokens, "eos_token"),
                Map.copyOf(tokens),
                config == null ? Optional.empty() : chatTemplate(configFile, config.get("chat_template")));
    }

    private static Boolean booleanOrNull(JsonNode node, String field) {
        return node != null && node.get(field) != null && node.get(field).isBoolean() ? node.get(field).asBoolean() : null;
    }

    private static String firstToken(JsonNode config, JsonNode specialTokens, String field) {
        String token = tokenContent(config, field);
        return token != null ? token : tokenContent(specialTokens, field);
    }

    /** A token given as a string or as an AddedToken object {"content": ...}. */
    private static String tokenContent(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isTextual()) {
            return value.asText();
        }
        JsonNode content = value.get("content");
        return content != null && content.isTextual() ? content.asText() : null;
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
