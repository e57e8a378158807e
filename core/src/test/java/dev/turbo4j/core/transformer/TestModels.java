package dev.turbo4j.core.transformer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the tests find the bundled and test-resource models and golden files. */
final class TestModels {
    static final Path KJV = Path.of("../models/kjv-llama-tiny");
    static final Path QWEN2 = Path.of("src/test/resources/models/random-qwen2-tiny");
    static final Path GOLDEN = Path.of("src/test/resources/golden");

    private TestModels() {
    }

    static JsonNode json(Path p) {
        try {
            return new ObjectMapper().readTree(Files.readString(p));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
