package dev.turbo4j.core.chat;

import static dev.turbo4j.core.chat.ChatMessage.assistant;
import static dev.turbo4j.core.chat.ChatMessage.system;
import static dev.turbo4j.core.chat.ChatMessage.user;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Real models' {@code chat_template}s render exactly as Hugging Face's apply_chat_template
 * renders them. Expected strings are written out by hand from the template text.
 */
class HuggingFaceTemplatesTest {

    static ChatTemplate fromTestResource(String family) {
        try {
            Path dir = Path.of(HuggingFaceTemplatesTest.class.getResource("/chat/" + family).toURI());
            return ChatTemplates.resolve(dir, null);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- Llama 3 Instruct: headers, BOS before the first message, content | trim ----

    @Test
    void llama3SingleTurnWithGenerationPrompt() {
        assertThat(fromTestResource("llama3").render(List.of(user("Hello")), true)).isEqualTo(
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    @Test
    void llama3TrimsOnlyTheContentBecauseFiltersBindTighterThanPlus() {
        assertThat(fromTestResource("llama3").render(List.of(system("You are terse."), user("  Hi \n")), false))
            .isEqualTo("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>");
    }

    @Test
    void llama3MultiTurn() {
        var messages = List.of(system("S"), user("Q1"), assistant("A1"), user("Q2"));
        assertThat(fromTestResource("llama3").render(messages, true)).isEqualTo(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nQ1<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nA1<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nQ2<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    // ---- Qwen2.5: default system prompt, {%- -%} trimming, tools and tool responses ----

    private static final String QWEN_DEFAULT_SYSTEM =
        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n";

    @Test
    void qwen2AddsItsDefaultSystemPrompt() {
        assertThat(fromTestResource("qwen2").render(List.of(user("Hello")), true)).isEqualTo(
            QWEN_DEFAULT_SYSTEM + "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void qwen2UsesTheGivenSystemMessageOnce() {
        assertThat(fromTestResource("qwen2").render(List.of(system("Be brief."), user("Hi")), false)).isEqualTo(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n");
    }

    @Test
    void qwen2MultiTurn() {
        var messages = List.of(user("Q1"), assistant("A1"), user("Q2"));
        assertThat(fromTestResource("qwen2").render(messages, true)).isEqualTo(QWEN_DEFAULT_SYSTEM
            + "<|im_start|>user\nQ1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n"
            + "<|im_start|>user\nQ2<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void qwen2GroupsConsecutiveToolResponsesIntoOneUserTurn() {
        var messages = List.of(user("6*7?"), assistant("Let me check."),
            new ChatMessage("tool", "42"), new ChatMessage("tool", "43"));
        assertThat(fromTestResource("qwen2").render(messages, true)).isEqualTo(QWEN_DEFAULT_SYSTEM
            + "<|im_start|>user\n6*7?<|im_end|>\n<|im_start|>assistant\nLet me check.<|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\n42\n</tool_response>\n<tool_response>\n43\n</tool_response><|im_end|>\n"
            + "<|im_start|>assistant\n");
    }

    @Test
    void qwen2ListsToolsAsPythonJson() {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", "get_time");
        function.put("parameters", Map.of());
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("type", "function");
        tool.put("function", function);
        var template = (JinjaChatTemplate) fromTestResource("qwen2");
        String rendered = template.render(List.of(user("Time?")), true, Map.of("tools", List.of(tool)));
        assertThat(rendered).isEqualTo("<|im_start|>system\n"
            + "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.\n\n# Tools\n\n"
            + "You may call one or more functions to assist with the user query.\n\n"
            + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
            + "{\"type\": \"function\", \"function\": {\"name\": \"get_time\", \"parameters\": {}}}\n</tools>\n\n"
            + "For each function call, return a json object with function name and arguments within "
            + "<tool_call></tool_call> XML tags:\n<tool_call>\n"
            + "{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\nTime?<|im_end|>\n<|im_start|>assistant\n");
    }

    // ---- Phi-3: EOS when no generation prompt ----

    @Test
    void phi3SingleTurnWithAndWithoutGenerationPrompt() {
        ChatTemplate phi3 = fromTestResource("phi3");
        assertThat(phi3.render(List.of(user("Hello")), true)).isEqualTo("<|user|>\nHello<|end|>\n<|assistant|>\n");
        assertThat(phi3.render(List.of(user("Hello")), false)).isEqualTo("<|user|>\nHello<|end|>\n<|endoftext|>");
    }

    @Test
    void phi3MultiTurnWithSystem() {
        var messages = List.of(system("S"), user("Q1"), assistant("A1"), user("Q2"));
        assertThat(fromTestResource("phi3").render(messages, true)).isEqualTo(
            "<|system|>\nS<|end|>\n<|user|>\nQ1<|end|>\n<|assistant|>\nA1<|end|>\n<|user|>\nQ2<|end|>\n<|assistant|>\n");
    }

    // ---- kjv-llama-tiny (the bundled demo model): Llama-2 style, BOS per user turn ----

    static ChatTemplate kjv() {
        return ChatTemplates.resolve(Path.of("../models/kjv-llama-tiny"), null);
    }

    @Test
    void kjvSingleTurnIgnoresTheGenerationPromptFlag() {
        assertThat(kjv().render(List.of(user(" Who is the LORD? ")), true)).isEqualTo("<s>[INST] Who is the LORD? [/INST]");
        assertThat(kjv().render(List.of(user("Who is the LORD?")), false)).isEqualTo("<s>[INST] Who is the LORD? [/INST]");
    }

    @Test
    void kjvPutsTheSystemMessageIntoTheFirstUserTurnOnly() {
        var messages = List.of(system("Speak plainly."), user("Q1"), assistant(" A1 "), user("Q2"));
        assertThat(kjv().render(messages, true)).isEqualTo(
            "<s>[INST] <<SYS>>\nSpeak plainly.\n<</SYS>>\n\nQ1 [/INST] A1 </s><s>[INST] Q2 [/INST]");
    }

    @Test
    void kjvWithoutSystemMessage() {
        var messages = List.of(user("Q1"), assistant("A1"), user("Q2"));
        assertThat(kjv().render(messages, false)).isEqualTo("<s>[INST] Q1 [/INST] A1 </s><s>[INST] Q2 [/INST]");
    }

    @Test
    void systemPromptVariantAddsASystemMessageUnlessOneIsThere() {
        assertThat(kjv().render("Speak plainly.", List.of(user("Q")), true))
            .isEqualTo("<s>[INST] <<SYS>>\nSpeak plainly.\n<</SYS>>\n\nQ [/INST]");
        assertThat(kjv().render("Ignored.", List.of(system("Mine."), user("Q")), true))
            .isEqualTo("<s>[INST] <<SYS>>\nMine.\n<</SYS>>\n\nQ [/INST]");
        assertThat(kjv().render(" ", List.of(user("Q")), true)).isEqualTo("<s>[INST] Q [/INST]");
    }
}
