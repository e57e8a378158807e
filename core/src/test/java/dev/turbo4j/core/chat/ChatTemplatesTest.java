package dev.turbo4j.core.chat;

import static dev.turbo4j.core.chat.ChatMessage.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.turbo4j.core.model.ModelLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@link ChatTemplates#resolve} picks a template for a model folder. */
class ChatTemplatesTest {

    @TempDir
    Path dir;

    private void write(String file, String text) throws IOException {
        Files.writeString(dir.resolve(file), text);
    }

    private String renderHi(ChatTemplate template) {
        return template.render(List.of(user("Hi")), true);
    }

    @Test
    void usesTheTokenizerConfigTemplateWithItsSpecialTokens() throws IOException {
        write("tokenizer_config.json", """
            {"bos_token": {"__type": "AddedToken", "content": "<B>"}, "eos_token": "<E>",
             "chat_template": "{{ bos_token }}{{ messages[0]['content'] }}{{ eos_token }}"}""");
        ChatTemplate template = ChatTemplates.resolve(dir, null);
        assertThat(template.name()).isEqualTo("tokenizer_config.json");
        assertThat(renderHi(template)).isEqualTo("<B>Hi<E>");
    }

    @Test
    void specialTokensMissingFromTheConfigComeFromSpecialTokensMap() throws IOException {
        // As transformers loads them: older checkpoints keep their tokens only in special_tokens_map.json.
        write("tokenizer_config.json", """
            {"eos_token": "<E>", "chat_template": "{{ bos_token }}[{{ messages[0]['content'] }}]{{ eos_token }}"}""");
        write("special_tokens_map.json", """
            {"bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>"}""");
        assertThat(renderHi(ChatTemplates.resolve(dir, null))).isEqualTo("<s>[Hi]<E>");
    }

    @Test
    void usesTheDefaultOfNamedTemplates() throws IOException {
        write("tokenizer_config.json", """
            {"chat_template": [{"name": "tool_use", "template": "tools"}, {"name": "default", "template": "default {{ messages[0].content }}"}]}""");
        assertThat(renderHi(ChatTemplates.resolve(dir, ""))).isEqualTo("default Hi");
    }

    @Test
    void namedTemplatesWithoutDefaultAreAnError() throws IOException {
        write("tokenizer_config.json", """
            {"chat_template": [{"name": "tool_use", "template": "tools"}]}""");
        assertThatThrownBy(() -> ChatTemplates.resolve(dir, null))
            .isInstanceOf(ModelLoadException.class).hasMessageContaining("tool_use").hasMessageContaining("default");
    }

    @Test
    void chatTemplateJinjaFileWinsOverTokenizerConfig() throws IOException {
        write("tokenizer_config.json", """
            {"chat_template": "from config", "bos_token": "<B>"}""");
        write("chat_template.jinja", "{{ bos_token }}from file\n");
        assertThat(renderHi(ChatTemplates.resolve(dir, null))).isEqualTo("<B>from file");
    }

    @Test
    void overrideByBuiltinNameUsesTheFoldersSpecialTokens() throws IOException {
        write("tokenizer_config.json", """
            {"chat_template": "ignored", "bos_token": "<BOS>"}""");
        assertThat(renderHi(ChatTemplates.resolve(dir, "llama2"))).isEqualTo("<BOS>[INST] Hi [/INST]");
        assertThat(renderHi(ChatTemplates.resolve(null, "llama2"))).isEqualTo("<s>[INST] Hi [/INST]");
    }

    @Test
    void overrideByJinjaFile() throws IOException {
        Path file = dir.resolve("mine.jinja");
        Files.writeString(file, "custom {{ messages[0].content }}");
        ChatTemplate template = ChatTemplates.resolve(dir, file.toString());
        assertThat(template.name()).isEqualTo("mine.jinja");
        assertThat(renderHi(template)).isEqualTo("custom Hi");
    }

    @Test
    void missingOverrideFileIsAModelLoadError() {
        assertThatThrownBy(() -> ChatTemplates.resolve(dir, dir.resolve("absent.jinja").toString()))
            .isInstanceOf(ModelLoadException.class).hasMessageContaining("absent.jinja");
    }

    @Test
    void unknownOverrideNameListsTheBuiltins() {
        assertThatThrownBy(() -> ChatTemplates.resolve(dir, "nonesuch"))
            .isInstanceOf(ChatTemplateException.class)
            .hasMessageContaining("'nonesuch'")
            .hasMessageContaining(String.join(", ", ChatTemplates.builtinNames()));
    }

    private String builtinChosenFor(String configJson) throws IOException {
        write("config.json", configJson);
        return ChatTemplates.resolve(dir, null).name();
    }

    @Test
    void choosesABuiltinFromTheModelFamily() throws IOException {
        assertThat(builtinChosenFor("{\"model_type\": \"llama\", \"vocab_size\": 128256}")).isEqualTo("llama3");
        assertThat(builtinChosenFor("{\"model_type\": \"llama\", \"vocab_size\": 32000}")).isEqualTo("llama2");
        assertThat(builtinChosenFor("{\"model_type\": \"qwen2\"}")).isEqualTo("qwen2");
        assertThat(builtinChosenFor("{\"model_type\": \"internlm2\"}")).isEqualTo("internlm2");
        assertThat(builtinChosenFor("{\"architectures\": [\"InternLM2ForCausalLM\"]}")).isEqualTo("internlm2");
        assertThat(builtinChosenFor("{\"model_type\": \"mistral\"}")).isEqualTo("mistral");
        assertThat(builtinChosenFor("{\"model_type\": \"phi3\"}")).isEqualTo("phi3");
    }

    @Test
    void builtinForTheFamilyTakesTheFoldersTokens() throws IOException {
        write("config.json", "{\"model_type\": \"llama\", \"vocab_size\": 32000}");
        write("tokenizer_config.json", "{\"bos_token\": \"<X>\", \"chat_template\": null}");
        assertThat(renderHi(ChatTemplates.resolve(dir, null))).isEqualTo("<X>[INST] Hi [/INST]");
    }

    @Test
    void unknownFamilyWithoutTemplateIsAClearError() throws IOException {
        write("config.json", "{\"model_type\": \"gpt_neox\"}");
        assertThatThrownBy(() -> ChatTemplates.resolve(dir, null))
            .isInstanceOf(ModelLoadException.class)
            .hasMessageContaining("no chat template")
            .hasMessageContaining("llama3");
    }

    @Test
    void emptyFolderIsAClearError() {
        assertThatThrownBy(() -> ChatTemplates.resolve(dir, null))
            .isInstanceOf(ModelLoadException.class).hasMessageContaining("no chat template");
    }

    @Test
    void brokenJsonNamesTheFile() throws IOException {
        write("tokenizer_config.json", "{not json");
        assertThatThrownBy(() -> ChatTemplates.resolve(dir, null))
            .isInstanceOf(ModelLoadException.class).hasMessageContaining("tokenizer_config.json");
        Files.delete(dir.resolve("tokenizer_config.json"));
        write("config.json", "[1, 2");
        assertThatThrownBy(() -> ChatTemplates.resolve(dir, null))
            .isInstanceOf(ModelLoadException.class).hasMessageContaining("config.json");
    }

    @Test
    void theBundledModelUsesItsOwnTemplate() {
        ChatTemplate template = ChatTemplates.resolve(Path.of("../models/kjv-llama-tiny"), null);
        assertThat(template.name()).isEqualTo("tokenizer_config.json");
        assertThat(((JinjaChatTemplate) template).specialTokens())
            .containsEntry("bos_token", "<s>").containsEntry("eos_token", "</s>");
    }
}
