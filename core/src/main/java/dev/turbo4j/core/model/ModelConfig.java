package dev.turbo4j.core.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.List;

/**
 * The shape of a model, read from its config.json (names as Hugging Face's).
 *
 * @param eosTokenIds config.json's eos_token_id (one or several); generation_config.json may add more
 * @param qkvBias     whether q/k/v projections carry a bias
 * @param oBias       whether the output projection carries a bias
 * @param tensorParallel ranks the folder's linear layers are stored split over (1: unsplit;
 *                    see {@link TensorParallel})
 */
public record ModelConfig(Architecture architecture, String modelType, int hiddenSize, int intermediateSize,
                          int numLayers, int numHeads, int numKvHeads, int headDim, int vocabSize,
                          int maxPositionEmbeddings, float rmsNormEps, double ropeTheta, RopeScaling ropeScaling,
                          boolean tieWordEmbeddings, boolean qkvBias, boolean oBias, int bosTokenId,
                          List<Integer> eosTokenIds, String torchDtype, int tensorParallel) {

    public int qDim() {
        return numHeads * headDim;
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }

    /** Query heads per kv head (GQA group size). */
    public int headsPerKvHead() {
        return numHeads / numKvHeads;
    }

    /** Reads dir/config.json. */
    public static ModelConfig load(Path dir) {
        Path file = dir.resolve("config.json");
        JsonNode root = ModelJson.read(file);
        if (root == null) {
            throw new ModelLoadException(dir + ": no config.json — is this a Hugging Face model folder?");
        }
        if (!root.isObject()) {
            throw new ModelLoadException(file + ": not a JSON object");
        }
        return parse(root, file);
    }

    /** Builds a config from parsed config.json; {@code file} names it in errors. */
    public static ModelConfig parse(JsonNode root, Path file) {
        JsonNode archs = root.get("architectures");
        if (archs == null || !archs.isArray() || archs.isEmpty()) {
            throw new ModelLoadException(file + ": no \"architectures\" entry; supported: " + Architecture.supportedNames());
        }
        String archName = archs.get(0).asText();
        Architecture arch = Architecture.fromHfName(archName);
        if (arch == null) {
            throw new ModelLoadException(file + ": architecture " + archName + " is not supported; supported: "
                    + Architecture.supportedNames());
        }
        int hidden = required(root, file, "hidden_size");
        int heads = required(root, file, "num_attention_heads");
        int kvHeads = optional(root, file, "num_key_value_heads", heads);
        int headDim = optional(root, file, "head_dim", Math.max(1, hidden / heads));
        if (heads % kvHeads != 0) {
            throw new ModelLoadException(file + ": num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        if (headDim % 2 != 0) {
            throw new ModelLoadException(file + ": head_dim " + headDim + " must be even for rotary embeddings");
        }
        if (root.path("mlp_bias").asBoolean(false)) {
            throw new ModelLoadException(file + ": mlp_bias=true is not supported");
        }
        String act = root.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new ModelLoadException(file + ": hidden_act " + act + " is not supported (only silu)");
        }
        boolean qkvBias;
        boolean oBias;
        switch (arch.biasPolicy()) {
            case CONFIG_ATTENTION_BIAS -> qkvBias = oBias = root.path("attention_bias").asBoolean(false);
            case QKV_ONLY -> {
                qkvBias = true;
                oBias = false;
            }
            case CONFIG_BIAS_DEFAULT_TRUE -> qkvBias = oBias = root.path("bias").asBoolean(true);
            case CONFIG_BIAS_DEFAULT_FALSE -> qkvBias = oBias = root.path("bias").asBoolean(false);
            default -> throw new IllegalStateException();
        }
        List<Integer> eos = ModelJson.ids(root, "eos_token_id");
        return new ModelConfig(arch, root.path("model_type").asText(arch.displayName()), hidden,
                required(root, file, "intermediate_size"), required(root, file, "num_hidden_layers"), heads, kvHeads,
                headDim, required(root, file, "vocab_size"), optional(root, file, "max_position_embeddings", 2048),
                (float) root.path("rms_norm_eps").asDouble(1e-6), positive(root, file, "rope_theta", 10000.0),
                ropeScaling(root.get("rope_scaling"), file), root.path("tie_word_embeddings").asBoolean(false),
                qkvBias, oBias, root.path("bos_token_id").asInt(-1), List.copyOf(eos),
                root.path("torch_dtype").asText("bfloat16"), TensorParallel.read(root, file));
    }

    private static int required(JsonNode root, Object file, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.canConvertToInt() || n.asInt() <= 0) {
            throw new ModelLoadException(file + ": \"" + key + "\" is missing or not a positive integer");
        }
        return n.asInt();
    }

    /** An optional positive integer (absent or null: the default); {@code file} names where it is in errors. */
    private static int optional(JsonNode root, Object file, String key, int defaultValue) {
        return root.hasNonNull(key) ? required(root, file, key) : defaultValue;
    }

    /** An optional number that must be positive (absent or null: the default). */
    private static double positive(JsonNode node, Object file, String key, double defaultValue) {
        JsonNode n = node.get(key);
        if (n == null || n.isNull()) {
            return defaultValue;
        }
        if (!n.isNumber() || !(n.asDouble() > 0) || Double.isInfinite(n.asDouble())) {
            throw new ModelLoadException(file + ": \"" + key + "\" must be a positive number, not " + n);
        }
        return n.asDouble();
    }

    private static RopeScaling ropeScaling(JsonNode node, Path file) {
        if (node == null || node.isNull()) {
            return RopeScaling.NONE;
        }
        if (!node.isObject()) {
            throw new ModelLoadException(file + ": \"rope_scaling\" must be an object such as {\"rope_type\": \"linear\","
                    + " \"factor\": 2.0}, not " + node);
        }
        String type = node.has("rope_type") ? node.get("rope_type").asText() : node.path("type").asText("default");
        String where = file + " rope_scaling";
        return switch (type) {
            case "default" -> RopeScaling.NONE;
            case "linear" -> new RopeScaling("linear", positive(node, where, "factor", 1.0), 1, 1, 0);
            case "llama3" -> new RopeScaling("llama3", positive(node, where, "factor", 1.0),
                    positive(node, where, "low_freq_factor", 1.0), positive(node, where, "high_freq_factor", 4.0),
                    optional(node, where, "original_max_position_embeddings", 8192));
            default -> throw new ModelLoadException(file + ": rope_scaling type \"" + type
                    + "\" is not supported (supported: linear, llama3)");
        };
    }
}
