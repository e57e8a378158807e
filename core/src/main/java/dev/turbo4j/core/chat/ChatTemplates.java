package dev.turbo4j.core.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turbo4j.core.model.ModelLoadException;
import java.io.IOException;
import dev.turbo4j.core.tokenizer.TokenizerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Finds the chat template for a model: by name, from the model folder, or by model family. */
public final class ChatTemplates {
    private ChatTemplates() {
    }

    /** Newer transformers versions save the template in its own file, which then wins. */
    private static final String TEMPLATE_FILE = "chat_template.jinja";
    private static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    private static final String CONFIG = "config.json";

    /**
     * The chat template to use for a model.
     *
     * <ol>
     *   <li>{@code overrideName}, when given: a built-in name (see {@link #builtinNames()}) or
     *       the path of a {@code .jinja} file;</li>
     *   <li>else the folder's {@code chat_template.jinja}, or the {@code chat_template} of its
     *       {@code tokenizer_config.json};</li>
     *   <li>else a built-in chosen from {@code config.json}'s {@code model_type} /
     *       {@code architectures}.</li>
     * </ol>
     * Special tokens ({@code bos_token}, ...) come from the folder's {@code tokenizer_config.json}
     * where it has them, else from the built-in's defaults.
     *
     * @param modelDir     the Hugging Face model folder; may be null when {@code overrideName} is given
     * @param overrideName null or blank for automatic choice
     * @throws ChatTemplateException if {@code overrideName} is neither a built-in nor a file path
     * @throws ModelLoadException    if a file is unreadable, or nothing tells which template to use
     */
    public static ChatTemplate resolve(Path modelDir, String overrideName) {
        Optional<TokenizerConfig> tokenizerConfig = Optional.ofNullable(modelDir)
            .filter(dir -> Files.isRegularFile(dir.resolve(TOKENIZER_CONFIG)))
            .map(TokenizerConfig::read);
        Map<String, String> tokens = tokenizerConfig.map(TokenizerConfig::specialTokens).orElse(Map.of());

        if (overrideName != null && !overrideName.isBlank()) {
            return byNameOrFile(overrideName, tokens);
        }
        if (modelDir == null) {
            throw new IllegalArgumentException("need a model folder or a chat template name");
        }
        Path templateFile = modelDir.resolve(TEMPLATE_FILE);
        if (Files.isRegularFile(templateFile)) {
            return fromFile(templateFile, tokens);
        }
        Optional<String> ownTemplate = tokenizerConfig.flatMap(TokenizerConfig::chatTemplate);
        if (ownTemplate.isPresent()) {
            return new JinjaChatTemplate(TOKENIZER_CONFIG, ownTemplate.get(), tokens);
        }
        BuiltinChatTemplate family = familyOf(modelDir).orElseThrow(() -> new ModelLoadException(
            modelDir + ": no chat template (no " + TEMPLATE_FILE + ", no chat_template in " + TOKENIZER_CONFIG
                + ") and the model family in " + CONFIG + " has no built-in one; choose one of "
                + builtinNames() + " or give a .jinja file"));
        return family.template().withSpecialTokens(tokens);
    }

    /** A built-in template by name (or alias), with its family's default special tokens. */
    public static JinjaChatTemplate builtin(String name) {
        return BuiltinChatTemplate.byName(name).orElseThrow(() -> unknownName(name)).template();
    }

    /** The names {@link #builtin(String)} and {@link #resolve} accept, aliases included. */
    public static List<String> builtinNames() {
        return BuiltinChatTemplate.allNames();
    }

    /** A template from a Jinja file, rendered with the given special tokens. */
    public static JinjaChatTemplate fromFile(Path jinjaFile, Map<String, String> specialTokens) {
        try {
            return new JinjaChatTemplate(jinjaFile.getFileName().toString(), Files.readString(jinjaFile), specialTokens);
        } catch (IOException e) {
            throw new ModelLoadException(jinjaFile + ": cannot read the chat template: " + e, e);
        }
    }

    private static JinjaChatTemplate byNameOrFile(String name, Map<String, String> tokens) {
        Optional<BuiltinChatTemplate> builtin = BuiltinChatTemplate.byName(name);
        if (builtin.isPresent()) {
            return builtin.get().template().withSpecialTokens(tokens);
        }
        Path file = Path.of(name);
        if (name.endsWith(".jinja") || Files.isRegularFile(file)) {
            if (!Files.isRegularFile(file)) {
                throw new ModelLoadException(file + ": chat template file not found");
            }
            return fromFile(file, tokens);
        }
        throw unknownName(name);
    }

    private static ChatTemplateException unknownName(String name) {
        return new ChatTemplateException("unknown chat template '" + name + "'; built-in templates: "
            + String.join(", ", builtinNames()) + " (or give the path of a .jinja file)");
    }

    /** The built-in for the family named in config.json, if there is one. */
    private static Optional<BuiltinChatTemplate> familyOf(Path modelDir) {
        Path configFile = modelDir.resolve(CONFIG);
        if (!Files.isRegularFile(configFile)) {
            return Optional.empty();
        }
        JsonNode config;
        try {
            config = new ObjectMapper().readTree(configFile.toFile());
        } catch (IOException e) {
            throw new ModelLoadException(configFile + ": cannot read it as JSON: " + e.getMessage(), e);
        }
        String family = config.path("model_type").asText("").toLowerCase(Locale.ROOT);
        if (family.isEmpty() && config.path("architectures").size() > 0) {
            family = config.path("architectures").get(0).asText("").toLowerCase(Locale.ROOT)
                .replace("forcausallm", "");
        }
        // Llama 3 kept model_type "llama"; its 128256-token vocabulary tells it from Llama 2.
        boolean llama3Vocab = config.path("vocab_size").asLong(0) >= 128_000;
        return Optional.ofNullable(switch (family) {
            case "llama" -> llama3Vocab ? BuiltinChatTemplate.LLAMA3 : BuiltinChatTemplate.LLAMA2;
            case "qwen", "qwen2", "qwen2_moe" -> BuiltinChatTemplate.QWEN2;
            case "internlm2" -> BuiltinChatTemplate.INTERNLM2;
            case "mistral", "mixtral" -> BuiltinChatTemplate.MISTRAL;
            case "phi3" -> BuiltinChatTemplate.PHI3;
            default -> null;
        });
    }
}
