package dev.turbo4j.core.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turbo4j.core.model.ModelLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What transformers reads from tokenizer_config.json (and special_tokens_map.json) that changes
 * encoding: whether BOS/EOS are added, and which tokens they are.
 *
 * @param addBosToken null when the file does not say
 * @param addEosToken null when the file does not say
 * @param bosToken    null when unknown
 * @param eosToken    null when unknown
 */
record TokenizerConfig(Boolean addBosToken, Boolean addEosToken, String bosToken, String eosToken) {

    static final TokenizerConfig NONE = new TokenizerConfig(null, null, null, null);

    /** Reads the folder's tokenizer_config.json and special_tokens_map.json; both are optional. */
    static TokenizerConfig read(Path dir) {
        JsonNode config = readJson(dir.resolve("tokenizer_config.json"));
        JsonNode specialTokens = readJson(dir.resolve("special_tokens_map.json"));
        return new TokenizerConfig(
                booleanOrNull(config, "add_bos_token"),
                booleanOrNull(config, "add_eos_token"),
                firstToken(config, specialTokens, "bos_token"),
                firstToken(config, specialTokens, "eos_token"));
    }

    private static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ModelLoadException(file + ": not valid JSON (" + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            throw new ModelLoadException(file + ": cannot be read (" + e.getMessage() + ")", e);
        }
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
}
