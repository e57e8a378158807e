package dev.turbo4j.core.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turbo4j.core.tokenizer.TestData.Case;
import dev.turbo4j.core.tokenizer.TestData.Subject;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every line of every cases.jsonl and every llama.cpp vector, id for id against the reference
 * tokenizers (Hugging Face tokenizers for tokenizer.json, SentencePiece for tokenizer.model).
 */
class ReferenceCasesTest {

    static Stream<Case> referenceCases() {
        return TestData.allReferenceCases();
    }

    static Stream<Case> llamaCppVectors() {
        return Stream.of(
                TestData.llamaCppVectors(Subject.LLAMA3, "tokenizers/llama3/llamacpp/ggml-vocab-llama-bpe.gguf"),
                TestData.llamaCppVectors(Subject.QWEN2, "tokenizers/qwen2/llamacpp/ggml-vocab-qwen2.gguf"),
                TestData.llamaCppVectors(Subject.GPT2, "tokenizers/gpt2/llamacpp/ggml-vocab-gpt-2.gguf"),
                TestData.llamaCppVectors(Subject.LLAMA2_JSON, "tokenizers/llama2/llamacpp/ggml-vocab-llama-spm.gguf"),
                TestData.llamaCppVectors(Subject.LLAMA2_MODEL, "tokenizers/llama2/llamacpp/ggml-vocab-llama-spm.gguf"),
                TestData.llamaCppVectors(Subject.PHI3, "tokenizers/phi3/llamacpp/ggml-vocab-phi-3.gguf"))
                .flatMap(s -> s);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("referenceCases")
    void encodesWithoutSpecialTokensAsReference(Case c) {
        assertThat(c.subject().tokenizer().encode(c.text(), false)).containsExactly(c.ids());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("referenceCases")
    void encodesWithSpecialTokensAsReference(Case c) {
        assertThat(c.subject().tokenizer().encode(c.text(), true)).containsExactly(c.idsSpecial());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("referenceCases")
    void decodesAsReference(Case c) {
        assertThat(c.subject().tokenizer().decode(c.ids(), false)).isEqualTo(c.decoded());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("llamaCppVectors")
    void encodesLlamaCppVector(Case c) {
        assertThat(c.subject().tokenizer().encode(c.text(), false)).containsExactly(c.ids());
    }
}
