package dev.turbo4j.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turbo4j.core.tokenizer.PreTokenizer.SplitBehavior;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PreTokenizerTest {

    private static final Pattern LLAMA3 = Pattern.compile(
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    static List<String> split(PreTokenizer preTokenizer, String text) {
        List<String> pieces = new ArrayList<>();
        preTokenizer.split(text, true, (piece, atStart) -> pieces.add(piece));
        return pieces;
    }

    /** The examples of Hugging Face's SplitDelimiterBehavior documentation. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "REMOVED              | the,final,countdown",
            "ISOLATED             | the,-,final,-,-,countdown",
            "MERGED_WITH_PREVIOUS | the-,final-,-,countdown",
            "MERGED_WITH_NEXT     | the,-final,-,-countdown",
            "CONTIGUOUS           | the,-,final,--,countdown"})
    void splitBehaviors(SplitBehavior behavior, String expected) {
        PreTokenizer split = new PreTokenizer.Split(Pattern.compile("-"), behavior, false);
        assertThat(split(split, "the-final--countdown")).containsExactly(expected.split(","));
    }

    @Test
    void invertedSplitKeepsTheMatches() {
        PreTokenizer whitespace = new PreTokenizer.Split(
                Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS), SplitBehavior.REMOVED, true);
        assertThat(split(whitespace, "Hey friend!  How are you?!?")).containsExactly("Hey", "friend", "!", "How", "are", "you", "?!?");
    }

    @Test
    void caseInsensitiveContractionsAndTrailingWhitespaceRuleMatchTheRustEngines() {
        PreTokenizer split = new PreTokenizer.Split(LLAMA3, SplitBehavior.ISOLATED, false);
        assertThat(split(split, "I'M here  now\u00A0\u00A0ok\n\n  x"))
                .containsExactly("I", "'M", " here", " ", " now", "\u00A0", "\u00A0ok", "\n\n", " ", " x");
        assertThat(split(split, "12345 ab")).containsExactly("123", "45", " ab");
    }

    @Test
    void metaspacePrependsOnlyAtTheTextStartWithSchemeFirst() {
        PreTokenizer metaspace = new PreTokenizer.Metaspace('▁', PreTokenizer.PrependScheme.FIRST, true);
        List<String> pieces = new ArrayList<>();
        metaspace.split("Hey  you", true, (piece, atStart) -> pieces.add(piece));
        metaspace.split("after a token", false, (piece, atStart) -> pieces.add(piece));
        assertThat(pieces).containsExactly("▁Hey", "▁", "▁you", "after", "▁a", "▁token");
    }

    @Test
    void byteLevelSpellsBytesAsCharacters() {
        PreTokenizer byteLevel = new PreTokenizer.ByteLevel(true, true);
        assertThat(split(byteLevel, "Hello  wörld\n")).containsExactly("ĠHello", "Ġ", "ĠwÃ¶rld", "Ċ");
    }
}
