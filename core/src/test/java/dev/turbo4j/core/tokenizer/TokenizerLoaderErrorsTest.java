package dev.turbo4j.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.turbo4j.core.model.ModelLoadException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unusable tokenizer files give a {@link ModelLoadException} naming the file and the problem. */
class TokenizerLoaderErrorsTest {

    @TempDir
    Path dir;

    @Test
    void missingFolder() {
        Path missing = dir.resolve("no-such-model");
        assertThatThrownBy(() -> TokenizerLoader.load(missing))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("not a folder");
    }

    @Test
    void folderWithoutTokenizerListsWhatWasLookedFor() {
        assertThatThrownBy(() -> TokenizerLoader.load(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("tokenizer.json")
                .hasMessageContaining("tokenizer.model");
    }

    @Test
    void missingFile() {
        Path missing = dir.resolve("tokenizer.v3.model");
        assertThatThrownBy(() -> TokenizerLoader.loadFile(missing))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("not found");
    }

    @Test
    void corruptTokenizerJson() throws IOException {
        String json = Files.readString(TestData.DEMO_MODEL.resolve("tokenizer.json"));
        Path file = Files.writeString(dir.resolve("tokenizer.json"), json.substring(0, json.length() / 2));
        assertThatThrownBy(() -> TokenizerLoader.load(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("not valid JSON");
    }

    @Test
    void tokenizerJsonWithUnsupportedModel() throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), """
                {"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}}""");
        assertThatThrownBy(() -> TokenizerLoader.load(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("tokenizer.json")
                .hasMessageContaining("model type WordPiece is not supported");
    }

    @Test
    void tokenizerJsonWithATokenIdFarOutsideTheVocabulary() throws IOException {
        // Once a String[2000000001] (out of memory) and an ArrayIndexOutOfBoundsException.
        for (String id : new String[] {"2000000000", "-3"}) {
            Files.writeString(dir.resolve("tokenizer.json"), """
                    {"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "foo": %s}, "merges": []}}""".formatted(id));
            assertThatThrownBy(() -> TokenizerLoader.load(dir))
                    .isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining("tokenizer.json")
                    .hasMessageContaining("token \"foo\" has id " + id + ", outside 0 to 1048575 (the vocabulary has 3 tokens)");
        }
    }

    @Test
    void tokenizerJsonWithMergeOutsideTheVocabulary() throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), """
                {"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b", "a c"]}}""");
        assertThatThrownBy(() -> TokenizerLoader.load(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("tokenizer.json")
                .hasMessageContaining("merge #1 uses \"c\", which is not in the vocabulary");
    }

    @Test
    void truncatedTokenizerModel() throws IOException {
        byte[] model = Files.readAllBytes(TestData.DEMO_MODEL.resolve("tokenizer.model"));
        Path file = Files.write(dir.resolve("tokenizer.model"), Arrays.copyOf(model, model.length - 7));
        assertThatThrownBy(() -> TokenizerLoader.load(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("not a valid SentencePiece model")
                .hasMessageContaining("truncated");
    }

    @Test
    void tiktokenFileInPlaceOfTokenizerModel() throws IOException {
        Files.writeString(dir.resolve("tokenizer.model"), "IQ== 0\nIg== 1\nIw== 2\n", StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> TokenizerLoader.load(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("tiktoken");
    }

    @Test
    void unigramModelIsRejectedClearly() throws IOException {
        byte[] model = Files.readAllBytes(TestData.DEMO_MODEL.resolve("tokenizer.model"));
        // Appends a trainer_spec {model_type: UNIGRAM}; the last occurrence of a field wins.
        byte[] unigram = Arrays.copyOf(model, model.length + 4);
        System.arraycopy(new byte[] {0x12, 0x02, 0x18, 0x01}, 0, unigram, model.length, 4);
        Files.write(dir.resolve("tokenizer.model"), unigram);
        assertThatThrownBy(() -> TokenizerLoader.load(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("tokenizer.model")
                .hasMessageContaining("UNIGRAM is not supported");
    }

    @Test
    void prefersTokenizerJsonOverTokenizerModel() {
        Tokenizer tokenizer = TokenizerLoader.load(TestData.DEMO_MODEL);
        assertThat(tokenizer).isInstanceOf(HfTokenizer.class);
        assertThat(tokenizer.bosId()).isEqualTo(1);
        assertThat(tokenizer.eosId()).isEqualTo(2);
    }
}
