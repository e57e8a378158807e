package dev.turbo4j.core.chat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The chat templates shipped with Turbo4j for model folders that have none, each the model
 * family's official Hugging Face template (resources {@code <name>.jinja} next to this class),
 * with the family's usual special tokens as defaults.
 */
enum BuiltinChatTemplate {
    /** Llama-2-chat: {@code <s>[INST] <<SYS>>...<</SYS>> ... [/INST] answer </s>}. */
    LLAMA2("llama2", "<s>", "</s>"),
    /** Llama-3-Instruct: {@code <|start_header_id|>role<|end_header_id|>} headers. */
    LLAMA3("llama3", "<|begin_of_text|>", "<|eot_id|>"),
    /** Plain ChatML ({@code <|im_start|>role ... <|im_end|>}), no default system prompt. */
    CHATML("chatml", null, "<|im_end|>"),
    /** Qwen / Qwen1.5 / Qwen2-Instruct: ChatML with a default system prompt. */
    QWEN2("qwen2", null, "<|im_end|>", "qwen"),
    /** InternLM2-chat: BOS, then ChatML. */
    INTERNLM2("internlm2", "<s>", "</s>"),
    /** Mistral-7B-Instruct v0.1 / Mixtral-Instruct: {@code [INST] ... [/INST]}, user and assistant only. */
    MISTRAL("mistral", "<s>", "</s>"),
    /** Phi-3-mini-instruct: {@code <|user|>...<|end|>}. */
    PHI3("phi3", "<s>", "<|endoftext|>"),
    /** Vicuna v1.1 (FastChat): {@code USER: ... ASSISTANT: ...</s>} with its default system prompt. */
    VICUNA("vicuna", "<s>", "</s>");

    final String templateName;
    private final String bosToken;
    private final String eosToken;
    private final List<String> aliases;

    BuiltinChatTemplate(String templateName, String bosToken, String eosToken, String... aliases) {
        this.templateName = templateName;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.aliases = List.of(aliases);
    }

    /** The built-in called {@code name} or one of its aliases, ignoring case. */
    static Optional<BuiltinChatTemplate> byName(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        for (BuiltinChatTemplate t : values()) {
            if (t.templateName.equals(wanted) || t.aliases.contains(wanted)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Every name that selects a built-in, aliases included. */
    static List<String> allNames() {
        return Arrays.stream(values())
            .flatMap(t -> Stream.concat(Stream.of(t.templateName), t.aliases.stream()))
            .toList();
    }

    /** The template with this family's default special tokens. */
    JinjaChatTemplate template() {
        Map<String, String> tokens = new LinkedHashMap<>();
        if (bosToken != null) {
            tokens.put("bos_token", bosToken);
        }
        tokens.put("eos_token", eosToken);
        return new JinjaChatTemplate(templateName, source(), tokens);
    }

    private String source() {
        String resource = templateName + ".jinja";
        try (InputStream in = BuiltinChatTemplate.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("built-in chat template resource missing: " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
