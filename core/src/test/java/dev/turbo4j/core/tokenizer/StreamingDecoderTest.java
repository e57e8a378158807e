package dev.turbo4j.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turbo4j.core.tokenizer.TestData.Case;
import dev.turbo4j.core.tokenizer.TestData.Subject;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Streaming detokenization: the pieces add up to the full decode and never split a character. */
class StreamingDecoderTest {

    static Stream<Case> referenceCases() {
        return TestData.allReferenceCases();
    }

    /** Feeds ids one at a time, returns every next() result and then the flush() result. */
    static List<String> stream(Tokenizer tokenizer, int[] ids, boolean skipSpecialTokens) {
        StreamingDecoder decoder = tokenizer.streamingDecoder(skipSpecialTokens);
        List<String> chunks = new ArrayList<>();
        for (int id : ids) {
            chunks.add(decoder.next(id));
        }
        chunks.add(decoder.flush());
        return chunks;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("referenceCases")
    void streamEqualsFullDecode(Case c) {
        Tokenizer tokenizer = c.subject().tokenizer();
        String full = tokenizer.decode(c.ids(), false);
        List<String> chunks = stream(tokenizer, c.ids(), false);
        assertThat(String.join("", chunks)).isEqualTo(full);
        if (!full.contains("\uFFFD")) {
            assertThat(chunks).allSatisfy(chunk -> assertThat(chunk).doesNotContain("\uFFFD"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("referenceCases")
    void streamWithSpecialTokensSkippedEqualsFullDecode(Case c) {
        Tokenizer tokenizer = c.subject().tokenizer();
        assertThat(String.join("", stream(tokenizer, c.idsSpecial(), true)))
                .isEqualTo(tokenizer.decode(c.idsSpecial(), true));
        assertThat(String.join("", stream(tokenizer, c.idsSpecial(), false)))
                .isEqualTo(tokenizer.decode(c.idsSpecial(), false));
    }

    @ParameterizedTest
    @EnumSource(value = Subject.class, names = {"KJV_JSON", "KJV_MODEL", "LLAMA3", "QWEN2", "LLAMA2_JSON", "INTERNLM2"})
    void aStreamAfterAContextAddsWhatTheContextsTextGains(Subject subject) {
        Tokenizer tokenizer = subject.tokenizer();
        int[] ids = tokenizer.encode("In the beginning God created the heaven and the earth. Zoë 日本語 🙂", true);
        String whole = tokenizer.decode(ids, true);
        for (int k = 1; k < ids.length; k++) {
            int[] context = java.util.Arrays.copyOf(ids, k);
            String contextText = tokenizer.decode(context, true);
            if (contextText.endsWith("\uFFFD")) {
                continue; // the context ends inside a character
            }
            StreamingDecoder decoder = tokenizer.streamingDecoder(true, context);
            StringBuilder streamed = new StringBuilder();
            for (int i = k; i < ids.length; i++) {
                streamed.append(decoder.next(ids[i]));
            }
            streamed.append(decoder.flush());
            assertThat(contextText + streamed).as("after %d ids", k).isEqualTo(whole);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Subject.class, names = {"KJV_JSON", "KJV_MODEL"})
    void holdsBackByteTokensUntilTheCharacterIsComplete(Subject subject) {
        Tokenizer tokenizer = subject.tokenizer();
        int e6 = tokenizer.tokenToId("<0xE6>");
        int x97 = tokenizer.tokenToId("<0x97>");
        int xa5 = tokenizer.tokenToId("<0xA5>");
        StreamingDecoder decoder = tokenizer.streamingDecoder(true);
        assertThat(decoder.next(tokenizer.tokenToId("▁and"))).isEqualTo("and");
        assertThat(decoder.next(tokenizer.tokenToId("▁"))).isEqualTo(" ");
        assertThat(decoder.next(e6)).isEmpty();
        assertThat(decoder.next(x97)).isEmpty();
        assertThat(decoder.next(xa5)).isEqualTo("日");
        assertThat(decoder.flush()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = Subject.class, names = {"KJV_JSON", "KJV_MODEL", "LLAMA3", "QWEN2", "LLAMA2_JSON", "INTERNLM2"})
    void multiByteCharactersAreNeverSplit(Subject subject) {
        Tokenizer tokenizer = subject.tokenizer();
        String text = "Zoë 日本語 🙂👍🏽 naïve — “quotes”";
        int[] ids = tokenizer.encode(text, false);
        List<String> chunks = stream(tokenizer, ids, false);
        assertThat(String.join("", chunks)).isEqualTo(text);
        assertThat(chunks).allSatisfy(chunk -> {
            assertThat(chunk).doesNotContain("\uFFFD");
            assertThat(chunk.isEmpty() || !Character.isHighSurrogate(chunk.charAt(chunk.length() - 1))).isTrue();
            assertThat(chunk.isEmpty() || !Character.isLowSurrogate(chunk.charAt(0))).isTrue();
        });
        assertThat(chunks.stream().filter(String::isEmpty).count())
                .as("some tokens carry only part of a character and wait for the next")
                .isPositive();
    }

    @ParameterizedTest
    @EnumSource(value = Subject.class, names = {"KJV_JSON", "KJV_MODEL", "LLAMA2_JSON", "MISTRAL_V1", "PHI3"})
    void stripsTheLeadingSpaceOnlyOnceAndKeepsEveryPieceSpace(Subject subject) {
        Tokenizer tokenizer = subject.tokenizer();
        String text = "  two leading spaces and   three";
        int[] ids = tokenizer.encode(text, true);
        List<String> chunks = stream(tokenizer, ids, true);
        assertThat(String.join("", chunks)).isEqualTo(tokenizer.decode(ids, true)).isEqualTo(text);
    }

    @Test
    void sentencePieceWordsComeOutWithTheirSpaces() {
        Tokenizer tokenizer = Subject.KJV_MODEL.tokenizer();
        int[] ids = tokenizer.encode("the LORD is my shepherd", true);
        assertThat(stream(tokenizer, ids, true)).containsExactly("", "the", " LORD", " is", " my", " she", "ph", "er", "d", "");
    }

    @Test
    void flushReleasesAnIncompleteCharacterAsDecodeShowsIt() {
        Tokenizer tokenizer = Subject.KJV_JSON.tokenizer();
        int[] ids = {tokenizer.tokenToId("▁and"), tokenizer.tokenToId("<0xE6>")};
        StreamingDecoder decoder = tokenizer.streamingDecoder(false);
        assertThat(decoder.next(ids[0])).isEqualTo("and");
        assertThat(decoder.next(ids[1])).isEmpty();
        assertThat(decoder.flush()).isEqualTo("\uFFFD").isEqualTo(tokenizer.decode(new int[] {ids[1]}, false));
    }

    @Test
    void invalidBytesFollowedByTextComeOutAsDecodeShowsThem() {
        Tokenizer tokenizer = Subject.KJV_MODEL.tokenizer();
        int[] ids = {tokenizer.tokenToId("<0xE6>"), tokenizer.tokenToId("<0x97>"), tokenizer.tokenToId("▁and")};
        assertThat(String.join("", stream(tokenizer, ids, false)))
                .isEqualTo(tokenizer.decode(ids, false))
                .isEqualTo("\uFFFD\uFFFD and");
    }
}
