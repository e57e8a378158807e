package dev.turbo4j.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turbo4j.core.tokenizer.TestData.Subject;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * golden/kjv-llama-tiny/tokenization.jsonl against the demo model's tokenizer.json and
 * tokenizer.model. {@code ids} are SentencePiece's; {@code hf_tokenizer_json_ids}, where present,
 * are what tokenizer.json gives instead (literal special-token text, chat renderings).
 */
class KjvGoldenTokenizationTest {

    record Line(int number, JsonNode json) {
        String text() {
            return json.get("text").asText();
        }

        int[] ids() {
            return TestData.ints(json.get("ids"));
        }

        int[] tokenizerJsonIds() {
            return json.has("hf_tokenizer_json_ids") ? TestData.ints(json.get("hf_tokenizer_json_ids")) : ids();
        }

        @Override
        public String toString() {
            return json.get("source").asText() + ":" + number + " " + TestData.abbreviate(text());
        }
    }

    static Stream<Line> lines() {
        List<JsonNode> json = TestData.jsonLines(TestData.resource("golden/kjv-llama-tiny/tokenization.jsonl"));
        return IntStream.range(0, json.size()).mapToObj(i -> new Line(i + 1, json.get(i)));
    }

    /** Lines with SentencePiece ids (all but the chat-template renderings). */
    static Stream<Line> linesWithSentencePieceIds() {
        return lines().filter(line -> line.json().has("ids"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lines")
    void tokenizerJsonEncodes(Line line) {
        assertThat(Subject.KJV_JSON.tokenizer().encode(line.text(), false)).containsExactly(line.tokenizerJsonIds());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("linesWithSentencePieceIds")
    void tokenizerJsonDecodes(Line line) {
        assertThat(Subject.KJV_JSON.tokenizer().decode(line.ids(), false)).isEqualTo(line.json().get("decoded").asText());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("linesWithSentencePieceIds")
    void tokenizerModelEncodes(Line line) {
        Tokenizer tokenizer = Subject.KJV_MODEL.tokenizer();
        int[] ids = tokenizer.encode(line.text(), false);
        assertThat(ids).containsExactly(line.ids());
        List<String> pieces = new ArrayList<>();
        for (int id : ids) {
            pieces.add(tokenizer.idToToken(id));
        }
        List<String> expectedPieces = new ArrayList<>();
        line.json().get("pieces").forEach(p -> expectedPieces.add(p.asText()));
        assertThat(pieces).containsExactlyElementsOf(expectedPieces);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("linesWithSentencePieceIds")
    void tokenizerModelDecodes(Line line) {
        assertThat(Subject.KJV_MODEL.tokenizer().decode(line.ids(), false)).isEqualTo(line.json().get("decoded").asText());
    }

    /** tokenizer_config.json has add_bos_token: true, so both files prepend BOS (id 1). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("linesWithSentencePieceIds")
    void bothFilesPrependBosWithSpecialTokens(Line line) {
        int[] expected = IntStream.concat(IntStream.of(1), IntStream.of(line.ids())).toArray();
        assertThat(Subject.KJV_MODEL.tokenizer().encode(line.text(), true)).containsExactly(expected);
        int[] expectedJson = IntStream.concat(IntStream.of(1), IntStream.of(line.tokenizerJsonIds())).toArray();
        assertThat(Subject.KJV_JSON.tokenizer().encode(line.text(), true)).containsExactly(expectedJson);
    }
}
