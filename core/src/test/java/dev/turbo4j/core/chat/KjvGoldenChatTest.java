package dev.turbo4j.core.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The golden chat records of kjv-llama-tiny, rendered by @huggingface/jinja, render the same here. */
class KjvGoldenChatTest {

    static Stream<JsonNode> records() throws IOException {
        try (InputStream in = KjvGoldenChatTest.class.getResourceAsStream("/chat/kjv-llama-tiny/chat_records.jsonl")) {
            ObjectMapper json = new ObjectMapper();
            List<JsonNode> records = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    records.add(json.readTree(line));
                }
            }
            assertThat(records).hasSize(2);
            return records.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("records")
    void rendersAsHuggingFaceJinja(JsonNode record) {
        List<ChatMessage> messages = new ArrayList<>();
        record.get("messages").forEach(m -> messages.add(new ChatMessage(m.get("role").asText(), m.get("content").asText())));
        assertThat(HuggingFaceTemplatesTest.kjv().render(messages, true)).isEqualTo(record.get("text").asText());
    }
}
