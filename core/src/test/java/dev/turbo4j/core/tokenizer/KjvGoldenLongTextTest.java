package dev.turbo4j.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turbo4j.core.tokenizer.TestData.Subject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The demo model's golden ppl.json (the whole 50 KB eval.txt encoded as one string) and
 * greedy.json (prompts and generated ids with their decoded text), for both tokenizer files.
 */
class KjvGoldenLongTextTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @EnumSource(value = Subject.class, names = {"KJV_JSON", "KJV_MODEL"})
    void encodesTheWholeEvalTextAsOneString(Subject subject) throws IOException {
        String text = Files.readString(TestData.resource("golden/kjv-llama-tiny/eval.txt"), StandardCharsets.UTF_8);
        JsonNode ppl = JSON.readTree(TestData.resource("golden/kjv-llama-tiny/ppl.json").toFile());
        int[] ids = subject.tokenizer().encode(text, false);
        assertThat(ids).hasSize(ppl.get("eval_file_tokens").asInt());
        assertThat(Arrays.copyOf(ids, 8192)).containsExactly(TestData.ints(ppl.get("ids")));
        assertThat(subject.tokenizer().decode(ids, false)).isEqualTo(text);
    }

    static Stream<Arguments> greedyPrompts() throws IOException {
        JsonNode greedy = JSON.readTree(TestData.resource("golden/kjv-llama-tiny/greedy.json").toFile());
        List<Arguments> arguments = new ArrayList<>();
        for (Subject subject : List.of(Subject.KJV_JSON, Subject.KJV_MODEL)) {
            for (JsonNode prompt : greedy.get("prompts")) {
                arguments.add(Arguments.of(subject, TestData.abbreviate(prompt.get("text").asText()), prompt));
            }
        }
        return arguments.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("greedyPrompts")
    void encodesPromptsAndDecodesGeneratedText(Subject subject, String name, JsonNode prompt) {
        Tokenizer tokenizer = subject.tokenizer();
        int[] promptIds = TestData.ints(prompt.get("ids"));
        int[] outputIds = TestData.ints(prompt.get("output_ids"));
        assertThat(tokenizer.encode(prompt.get("text").asText(), true)).containsExactly(promptIds);
        if (subject == Subject.KJV_JSON) {
            // tokenizer.json matches the literal "<s>" the chat template writes.
            assertThat(tokenizer.encode("<s>" + prompt.get("text").asText(), false)).containsExactly(promptIds);
        }
        assertThat(tokenizer.decode(outputIds, true)).isEqualTo(prompt.get("output_text").asText());
        int[] all = IntStream.concat(IntStream.of(promptIds).skip(1), IntStream.of(outputIds)).toArray();
        assertThat(tokenizer.decode(all, true)).isEqualTo(prompt.get("full_text").asText());

        StreamingDecoder stream = tokenizer.streamingDecoder(true);
        StringBuilder streamed = new StringBuilder();
        for (int id : promptIds) {
            streamed.append(stream.next(id));
        }
        for (int id : outputIds) {
            streamed.append(stream.next(id));
        }
        streamed.append(stream.flush());
        assertThat(streamed.toString()).isEqualTo(prompt.get("full_text").asText());
    }
}
