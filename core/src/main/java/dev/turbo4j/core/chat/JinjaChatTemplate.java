package dev.turbo4j.core.chat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A chat template written in Jinja, such as the {@code chat_template} of a Hugging Face
 * {@code tokenizer_config.json}, rendered as {@code apply_chat_template} renders it. The
 * template sees {@code messages} (each with {@code role} and {@code content}),
 * {@code add_generation_prompt}, and the special tokens ({@code bos_token},
 * {@code eos_token}, ...).
 */
public final class JinjaChatTemplate implements ChatTemplate {
    private final String name;
    private final String source;
    private final Map<String, String> specialTokens;

    /**
     * @param name          a name for messages, e.g. the file it came from
     * @param source        the Jinja text
     * @param specialTokens template variables such as {@code bos_token -> "<s>"}; absent
     *                      tokens are undefined in the template (they render empty)
     */
    public JinjaChatTemplate(String name, String source, Map<String, String> specialTokens) {
        this.name = Objects.requireNonNull(name, "name");
        this.source = Objects.requireNonNull(source, "source");
        this.specialTokens = Map.copyOf(specialTokens);
    }

    @Override
    public String name() {
        return name;
    }

    /** The Jinja text of the template. */
    public String source() {
        return source;
    }

    /** The special-token variables the template is rendered with ({@code bos_token}, ...). */
    public Map<String, String> specialTokens() {
        return specialTokens;
    }

    /** This template rendered with other special tokens (e.g. a built-in with a model's own tokens). */
    public JinjaChatTemplate withSpecialTokens(Map<String, String> tokens) {
        Map<String, String> merged = new HashMap<>(specialTokens);
        merged.putAll(tokens);
        return new JinjaChatTemplate(name, source, merged);
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /**
     * Renders with extra template variables, as the keyword arguments of
     * {@code apply_chat_template} (for example {@code tools}); they override the defaults.
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> extraVariables) {
        List<Map<String, Object>> messageMaps = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            messageMaps.add(map);
        }
        Map<String, Object> variables = new HashMap<>(specialTokens);
        variables.put("messages", messageMaps);
        variables.put("add_generation_prompt", addGenerationPrompt);
        variables.putAll(extraVariables);
        return JinjaEnvironment.render(name, source, variables);
    }

    @Override
    public String toString() {
        return "JinjaChatTemplate[" + name + "]";
    }
}
