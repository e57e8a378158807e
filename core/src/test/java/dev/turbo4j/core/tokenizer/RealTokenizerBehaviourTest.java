package dev.turbo4j.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turbo4j.core.tokenizer.TestData.Subject;
import org.junit.jupiter.api.Test;

/** Behaviour of the real tokenizers beyond the reference cases: skipping special tokens, NFC, metadata. */
class RealTokenizerBehaviourTest {

    @Test
    void qwen2ChatMarkersAreMatchedAndSkippedOnDecode() {
        Tokenizer qwen = Subject.QWEN2.tokenizer();
        int[] ids = qwen.encode("<|im_start|>user\nHello<|im_end|>", false);
        assertThat(ids).containsExactly(151644, 872, 198, 9707, 151645);
        assertThat(qwen.decode(ids, true)).isEqualTo("user\nHello");
        assertThat(qwen.decode(ids, false)).isEqualTo("<|im_start|>user\nHello<|im_end|>");
        assertThat(qwen.isSpecial(151644)).isTrue();
        assertThat(qwen.isSpecial(872)).isFalse();
        assertThat(qwen.eosId()).isEqualTo(151645); // <|im_end|> in tokenizer_config.json
        assertThat(qwen.bosId()).isEqualTo(-1);
        assertThat(qwen.vocabSize()).isEqualTo(151665);
    }

    @Test
    void normalizedAddedTokensAreFoundAsTheNormalizerWritesThem() {
        // This Llama-2 tokenizer.json marks <s> normalized: the Rust library looks for "▁<s>" in the
        // normalized text, so <s> matches at a segment's start or after a space, and not after "\n".
        // Expected ids from huggingface/tokenizers (via its JS port, which agrees here).
        Tokenizer llama2 = Subject.LLAMA2_JSON.tokenizer();
        assertThat(llama2.encode("<s>", false)).containsExactly(1);
        assertThat(llama2.encode("<s> x", false)).containsExactly(1, 921);
        assertThat(llama2.encode(" <s>", false)).containsExactly(29871, 1);
        assertThat(llama2.encode("\n<s>\n", false)).containsExactly(29871, 13, 29966, 29879, 29958, 13);
    }

    @Test
    void qwen2NormalizesToNfc() {
        Tokenizer qwen = Subject.QWEN2.tokenizer();
        assertThat(qwen.encode("cafe\u0301", false)).containsExactly(qwen.encode("caf\u00E9", false));
    }

    @Test
    void llama3AddsBeginOfTextAndSkipsItOnDecode() {
        Tokenizer llama3 = Subject.LLAMA3.tokenizer();
        int[] ids = llama3.encode("Hello world", true);
        assertThat(ids).startsWith(128000);
        assertThat(llama3.decode(ids, true)).isEqualTo("Hello world");
        assertThat(llama3.decode(ids, false)).isEqualTo("<|begin_of_text|>Hello world");
        assertThat(llama3.bosId()).isEqualTo(128000);
        assertThat(llama3.eosId()).isEqualTo(128001);
        assertThat(llama3.vocabSize()).isEqualTo(128256);
        assertThat(llama3.tokenToId("<|eot_id|>")).isEqualTo(128009);
        assertThat(llama3.idToToken(128009)).isEqualTo("<|eot_id|>");
        assertThat(llama3.idToToken(200000)).isNull();
    }

    @Test
    void mistralV3ControlPiecesAreSpecialButNotMatchedInText() {
        Tokenizer mistral = Subject.MISTRAL_V3.tokenizer();
        int inst = mistral.tokenToId("[INST]");
        assertThat(inst).isEqualTo(3);
        assertThat(mistral.isSpecial(inst)).isTrue();
        assertThat(mistral.encode("[INST]", false)).doesNotContain(inst);
        int[] ids = {1, inst, mistral.tokenToId("▁Hello")};
        assertThat(mistral.decode(ids, true)).isEqualTo("Hello");
        assertThat(mistral.decode(ids, false)).isEqualTo("<s>[INST] Hello");
        assertThat(mistral.bosId()).isEqualTo(1);
        assertThat(mistral.eosId()).isEqualTo(2);
    }

    @Test
    void idsBeyondTheVocabularyAreDroppedOnDecode() {
        Tokenizer kjv = Subject.KJV_JSON.tokenizer();
        int and = kjv.tokenToId("▁and");
        assertThat(kjv.decode(new int[] {and, 5000, and}, false)).isEqualTo("and and");
        assertThat(Subject.KJV_MODEL.tokenizer().decode(new int[] {and, 5000, and}, false)).isEqualTo("and and");
    }
}
