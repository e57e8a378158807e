package dev.turbo4j.core.chat;

import static dev.turbo4j.core.chat.ChatMessage.assistant;
import static dev.turbo4j.core.chat.ChatMessage.system;
import static dev.turbo4j.core.chat.ChatMessage.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each built-in template renders as its model family's official Hugging Face template does. */
class BuiltinTemplatesTest {

    private static final List<ChatMessage> SYSTEM_AND_TWO_TURNS =
        List.of(system("S"), user("Q1"), assistant("A1"), user("Q2"));

    @Test
    void namesIncludeEveryFamilyAndAlias() {
        assertThat(ChatTemplates.builtinNames())
            .containsExactly("llama2", "llama3", "chatml", "qwen2", "qwen", "internlm2", "mistral", "phi3", "vicuna");
    }

    @ParameterizedTest
    @MethodSource("dev.turbo4j.core.chat.ChatTemplates#builtinNames")
    void everyBuiltinRendersTheUserMessage(String name) {
        ChatTemplate template = ChatTemplates.builtin(name);
        assertThat(template.render(List.of(user("ping-123")), true)).contains("ping-123");
    }

    @Test
    void namesAreCaseInsensitiveAndAliasesSelectTheSameTemplate() {
        assertThat(ChatTemplates.builtin("QWEN").source()).isEqualTo(ChatTemplates.builtin("qwen2").source());
        assertThat(ChatTemplates.builtin("Llama3").name()).isEqualTo("llama3");
    }

    @Test
    void unknownNameListsTheBuiltins() {
        assertThatThrownBy(() -> ChatTemplates.builtin("gpt5"))
            .isInstanceOf(ChatTemplateException.class)
            .hasMessageContaining("'gpt5'")
            .hasMessageContaining("llama2, llama3, chatml");
    }

    @Test
    void llama2() {
        ChatTemplate t = ChatTemplates.builtin("llama2");
        assertThat(t.render(List.of(user("Hello")), true)).isEqualTo("<s>[INST] Hello [/INST]");
        // content.strip() applies to the system block plus the message, so " Q1" keeps its inner space
        assertThat(t.render(List.of(system("S"), user(" Q1 "), assistant(" A1 "), user("Q2")), true))
            .isEqualTo("<s>[INST] <<SYS>>\nS\n<</SYS>>\n\n Q1 [/INST] A1 </s><s>[INST] Q2 [/INST]");
    }

    @Test
    void llama2RejectsRolesThatDoNotAlternate() {
        assertThatThrownBy(() -> ChatTemplates.builtin("llama2").render(List.of(user("a"), user("b")), true))
            .isInstanceOf(ChatTemplateException.class)
            .hasMessage("Conversation roles must alternate user/assistant/user/assistant/...");
    }

    @Test
    void llama3() {
        assertThat(ChatTemplates.builtin("llama3").render(SYSTEM_AND_TWO_TURNS, true)).isEqualTo(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nQ1<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nA1<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nQ2<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    @Test
    void chatml() {
        ChatTemplate t = ChatTemplates.builtin("chatml");
        assertThat(t.render(List.of(user("Hi")), true)).isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
        assertThat(t.render(SYSTEM_AND_TWO_TURNS, false)).isEqualTo("<|im_start|>system\nS<|im_end|>\n"
            + "<|im_start|>user\nQ1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n<|im_start|>user\nQ2<|im_end|>\n");
    }

    @Test
    void qwen2AddsADefaultSystemPromptOnlyWhenThereIsNone() {
        ChatTemplate t = ChatTemplates.builtin("qwen2");
        assertThat(t.render(List.of(user("Hi")), true)).isEqualTo("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
            + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
        assertThat(t.render(List.of(system("S"), user("Hi")), true))
            .isEqualTo("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void internlm2() {
        assertThat(ChatTemplates.builtin("internlm2").render(List.of(system("S"), user("Hi")), true)).isEqualTo(
            "<s><|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void mistral() {
        assertThat(ChatTemplates.builtin("mistral").render(List.of(user("Q1"), assistant("A1"), user("Q2")), true))
            .isEqualTo("<s>[INST] Q1 [/INST]A1</s>[INST] Q2 [/INST]");
    }

    @Test
    void mistralRejectsSystemAndOtherRoles() {
        ChatTemplate t = ChatTemplates.builtin("mistral");
        assertThatThrownBy(() -> t.render(SYSTEM_AND_TWO_TURNS, true))
            .isInstanceOf(ChatTemplateException.class)
            .hasMessage("Conversation roles must alternate user/assistant/user/assistant/...");
        assertThatThrownBy(() -> t.render(List.of(user("Q"), new ChatMessage("tool", "x")), true))
            .isInstanceOf(ChatTemplateException.class)
            .hasMessage("Only user and assistant roles are supported!");
    }

    @Test
    void phi3() {
        ChatTemplate t = ChatTemplates.builtin("phi3");
        assertThat(t.render(SYSTEM_AND_TWO_TURNS, true))
            .isEqualTo("<|system|>\nS<|end|>\n<|user|>\nQ1<|end|>\n<|assistant|>\nA1<|end|>\n<|user|>\nQ2<|end|>\n<|assistant|>\n");
        assertThat(t.render(List.of(user("Q")), false)).isEqualTo("<|user|>\nQ<|end|>\n<|endoftext|>");
    }

    @Test
    void vicuna() {
        ChatTemplate t = ChatTemplates.builtin("vicuna");
        assertThat(t.render(List.of(user("Hi")), true)).isEqualTo("A chat between a curious user and an artificial "
            + "intelligence assistant. The assistant gives helpful, detailed, and polite answers to the user's questions. "
            + "USER: Hi ASSISTANT:");
        assertThat(t.render(SYSTEM_AND_TWO_TURNS, true)).isEqualTo("S USER: Q1 ASSISTANT: A1</s>USER: Q2 ASSISTANT:");
    }
}
