package dev.turbo4j.core.model;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the JSON files of a model folder (config.json, tokenizer files, the shard index, ...),
 * with one wording, naming the file, for every way one can be unusable: not JSON (the parser's
 * words and where), unreadable, a folder.
 */
public final class ModelJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ModelJson() {
    }

    /** A field holding one id or a list of them, as {@code eos_token_id} does; empty when absent. */
    public static List<Integer> ids(JsonNode node, String field) {
        JsonNode value = node.get(field);
        List<Integer> ids = new ArrayList<>();
        if (value != null && value.isArray()) {
            value.forEach(n -> ids.add(n.asInt()));
        } else if (value != null && value.isNumber()) {
            ids.add(value.asInt());
        }
        return ids;
    }

    /**
     * The parsed file, or null when there is no such file.
     *
     * @throws ModelLoadException when it exists but cannot be read or is not JSON
     */
    public static JsonNode read(Path file) {
        try {
            return MAPPER.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return null;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null || at.getLineNr() < 0 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ModelLoadException(file + ": not valid JSON (" + e.getOriginalMessage() + where + ")", e);
        } catch (AccessDeniedException e) {
            throw new ModelLoadException(file + ": permission denied; make it readable", e);
        } catch (IOException e) {
            if (Files.isDirectory(file)) {
                throw new ModelLoadException(file + ": is a folder, not a JSON file", e);
            }
            throw new ModelLoadException(file + ": cannot be read (" + e.getMessage() + ")", e);
        }
    }
}
