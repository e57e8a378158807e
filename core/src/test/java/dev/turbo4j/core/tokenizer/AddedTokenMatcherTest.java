package dev.turbo4j.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AddedTokenMatcherTest {

    static List<String> split(String text, AddedToken... tokens) {
        List<String> parts = new ArrayList<>();
        new AddedTokenMatcher(List.of(tokens)).split(text, new AddedTokenMatcher.SegmentSink() {
            @Override
            public void text(String segment, int offset) {
                parts.add(segment + "@" + offset);
            }

            @Override
            public void token(AddedToken token) {
                parts.add("[" + token.id() + "]");
            }
        });
        return parts;
    }

    static AddedToken token(int id, String content, boolean lstrip, boolean rstrip, boolean singleWord) {
        return new AddedToken(id, content, true, lstrip, rstrip, singleWord, false);
    }

    @Test
    void longestMatchWinsAtTheLeftmostPosition() {
        assertThat(split("a<|im|><|im_start|>b", token(1, "<|im|>", false, false, false),
                token(2, "<|im_start|>", false, false, false), token(3, "<|im", false, false, false)))
                .containsExactly("a@0", "[1]", "[2]", "b@19");
    }

    @Test
    void stripFlagsSwallowNeighbouringWhitespace() {
        assertThat(split("hi  <x>\n yo", token(7, "<x>", true, true, false))).containsExactly("hi@0", "[7]", "yo@9");
        assertThat(split("hi  <x>\n yo", token(7, "<x>", false, true, false))).containsExactly("hi  @0", "[7]", "yo@9");
    }

    @Test
    void singleWordTokensDoNotMatchInsideWords() {
        AddedToken word = token(5, "cat", false, false, true);
        assertThat(split("concat cat cats", word)).containsExactly("concat @0", "[5]", " cats@10");
    }

    @Test
    void textWithoutTokensIsOneSegment() {
        assertThat(split("plain text", token(1, "<s>", false, false, false))).containsExactly("plain text@0");
        assertThat(split("", token(1, "<s>", false, false, false))).isEmpty();
    }
}
