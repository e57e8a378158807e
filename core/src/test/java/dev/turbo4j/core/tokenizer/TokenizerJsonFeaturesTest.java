package dev.turbo4j.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tokenizer.json features that the real files under test do not exercise, on tiny synthetic files. */
class TokenizerJsonFeaturesTest {

    @TempDir
    Path dir;

    private Tokenizer load(String tokenizerJson) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson);
        return TokenizerLoader.load(dir);
    }

    /** Llama-3-style SentencePiece BPE without legacy behaviour: Metaspace(prepend_scheme first), pair merges. */
    private static final String METASPACE_FIRST = """
            {
              "added_tokens": [{"id": 9, "content": "<x>", "special": true, "normalized": false,
                                "lstrip": false, "rstrip": false, "single_word": false}],
              "normalizer": null,
              "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false},
              "post_processor": null,
              "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false},
              "model": {"type": "BPE", "byte_fallback": false, "fuse_unk": true, "unk_token": "<unk>",
                        "vocab": {"<unk>": 0, "▁": 1, "a": 2, "b": 3, "▁a": 4, "ab": 5, "▁ab": 6},
                        "merges": [["a", "b"], ["▁", "a"], ["▁", "ab"]]}
            }""";

    @Test
    void metaspaceWithPrependSchemeFirstPrependsOnlyAtTheStartOfTheText() throws IOException {
        Tokenizer tokenizer = load(METASPACE_FIRST);
        assertThat(tokenizer.encode("ab ab", false)).containsExactly(6, 6);
        assertThat(tokenizer.encode("ab<x>ab", false)).containsExactly(6, 9, 5);
        assertThat(tokenizer.decode(new int[] {6, 9, 5, 6}, false)).isEqualTo("ab<x>ab ab");
    }

    @Test
    void unknownCharactersAreFusedIntoOneUnk() throws IOException {
        Tokenizer tokenizer = load(METASPACE_FIRST);
        assertThat(tokenizer.encode("ab zz b", false)).containsExactly(6, 1, 0, 1, 3);
    }

    @Test
    void addBosAndEosFromTokenizerConfigOverrideTheTemplate() throws IOException {
        String json = METASPACE_FIRST.replace("\"<x>\"", "\"</s>\"").replace("\"added_tokens\": [", """
                "added_tokens": [{"id": 7, "content": "<s>", "special": true, "normalized": false,
                                  "lstrip": false, "rstrip": false, "single_word": false},""");
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"add_bos_token": true, "add_eos_token": true,
                 "bos_token": {"content": "<s>", "__type": "AddedToken"}, "eos_token": "</s>"}""");
        Tokenizer tokenizer = load(json);
        assertThat(tokenizer.encode("ab", true)).containsExactly(7, 6, 9);
        assertThat(tokenizer.bosId()).isEqualTo(7);
        assertThat(tokenizer.eosId()).isEqualTo(9);
        assertThat(tokenizer.decode(new int[] {7, 6, 9}, true)).isEqualTo("ab");
        // Kept special tokens go through the decoder too: only the first token loses its "▁".
        assertThat(tokenizer.decode(new int[] {7, 6, 9}, false)).isEqualTo("<s> ab</s>");
    }
}
