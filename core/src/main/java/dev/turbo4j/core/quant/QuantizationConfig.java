package dev.turbo4j.core.quant;

import dev.turbo4j.core.model.ModelJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.turbo4j.core.kernel.Int4GroupWeight;
import dev.turbo4j.core.model.ModelLoadException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A folder's quantization settings (Hugging Face's quantization_config, names as there),
 * checked against what Turbo4j runs. {@code groupSize} is -1 for one group per row.
 *
 * @param source                the file the settings came from, for error messages
 * @param checkpointFormat      GPTQ's "gptq" (v1: zeros stored minus one) or "gptq_v2"
 * @param modulesToNotConvert   name fragments of layers kept dense (loaded from .weight)
 */
public record QuantizationConfig(ModelFormat format, int bits, int groupSize, boolean zeroPoint, String version,
                                 boolean descAct, boolean sym, String checkpointFormat,
                                 List<String> modulesToNotConvert, Path source) {

    /** Dense weights, nothing to dequantize. */
    public static QuantizationConfig dense(Path source) {
        return new QuantizationConfig(ModelFormat.HF, 16, -1, false, null, false, false, null, List.of(), source);
    }

    /** The quantization_config to write for our own formats. */
    public static QuantizationConfig of(ModelFormat format, int bits, int groupSize) {
        String version = format == ModelFormat.TURBO4J_INT4 ? String.valueOf(Int4GroupWeight.LAYOUT_VERSION) : null;
        return new QuantizationConfig(format, bits, groupSize, format == ModelFormat.TURBO4J_INT4, version, false,
                format == ModelFormat.TURBO4J_INT8, null, List.of(), null);
    }

    /** Whether this layer (by its base name) is kept dense. */
    public boolean keepsDense(String layer) {
        for (String m : modulesToNotConvert) {
            if (layer.contains(m)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads dir's settings: config.json's quantization_config, else quantize_config.json
     * (older AutoGPTQ folders), else dense; {@code override} (may be null) replaces the
     * detected format. Throws {@link ModelLoadException} for variants we cannot run.
     */
    public static QuantizationConfig read(Path dir, ModelFormat override) {
        Path configFile = dir.resolve("config.json");
        JsonNode node = readJson(configFile).get("quantization_config");
        Path source = configFile;
        Path legacy = dir.resolve("quantize_config.json");
        if ((node == null || node.isNull()) && Files.isRegularFile(legacy)) {
            node = readJson(legacy);
            source = legacy;
        }
        QuantizationConfig detected = node == null || node.isNull() ? dense(configFile) : parse(node, source);
        boolean ours = detected.format() == ModelFormat.TURBO4J_INT4 || detected.format() == ModelFormat.TURBO4J_INT8;
        if (override != null && override != detected.format() && ours) {
            throw new ModelLoadException(dir + " is a " + detected.format().id() + " folder (written by turbo4j);"
                    + " --model-format " + override.id() + " does not apply to it: leave --model-format out");
        }
        if (override != null && override != detected.format()) {
            detected = new QuantizationConfig(override, override == ModelFormat.TURBO4J_INT8 ? 8 : override == ModelFormat.HF ? 16 : 4,
                    detected.groupSize(), detected.zeroPoint() || override == ModelFormat.AWQ, detected.version(), detected.descAct(),
                    detected.sym(), detected.checkpointFormat(), detected.modulesToNotConvert(), source);
        }
        detected.validate();
        return detected;
    }

    static QuantizationConfig parse(JsonNode n, Path source) {
        String method = n.path("quant_method").asText(n.has("desc_act") ? "gptq" : "");
        ModelFormat format = ModelFormat.fromId(method);
        if (format == null || format == ModelFormat.HF) {
            throw new ModelLoadException(source + ": quant_method \"" + method + "\" is not supported; supported: "
                    + "awq (AutoAWQ gemm, 4-bit), gptq (4-bit, desc_act=false), turbo4j-int8, turbo4j-int4");
        }
        List<String> keep = new ArrayList<>();
        JsonNode modules = n.get("modules_to_not_convert");
        if (modules != null && modules.isArray()) {
            modules.forEach(m -> keep.add(m.asText()));
        }
        String version = n.hasNonNull("version") ? n.get("version").asText().toLowerCase(Locale.ROOT) : null;
        String checkpoint = n.hasNonNull("checkpoint_format") ? n.get("checkpoint_format").asText().toLowerCase(Locale.ROOT) : null;
        return new QuantizationConfig(format, n.path("bits").asInt(n.path("w_bit").asInt(4)),
                n.path("group_size").asInt(n.path("q_group_size").asInt(-1)), n.path("zero_point").asBoolean(true),
                version, n.path("desc_act").asBoolean(false), n.path("sym").asBoolean(false), checkpoint,
                List.copyOf(keep), source);
    }

    private void validate() {
        switch (format) {
            case HF -> { }
            case AWQ -> {
                require(bits == 4, "AWQ with bits=" + bits + " is not supported (4-bit only)");
                require(version == null || version.equals("gemm"), "AWQ version \"" + version
                        + "\" is not supported; only \"gemm\" checkpoints load (gemv, gemv_fast, exllama and marlin"
                        + " pack differently)");
                // zero_point=false (symmetric, LMDeploy's --w-sym): the stored qzeros still say where zero is.
            }
            case GPTQ -> {
                require(bits == 4, "GPTQ with bits=" + bits + " is not supported (4-bit only; for int8 weights use"
                        + " 'turbo4j lite quantize --w-bits 8' on the dense model)");
                require(!descAct, "GPTQ with desc_act=true (act-order) is not supported; use a desc_act=false checkpoint");
                require(checkpointFormat == null || checkpointFormat.equals("gptq") || checkpointFormat.equals("gptq_v2"),
                        "GPTQ checkpoint_format \"" + checkpointFormat + "\" is not supported (gptq or gptq_v2)");
            }
            case TURBO4J_INT8 -> require(bits == 8, "turbo4j-int8 needs bits=8, got " + bits);
            case TURBO4J_INT4 -> {
                require(bits == 4, "turbo4j-int4 needs bits=4, got " + bits);
                require(String.valueOf(Int4GroupWeight.LAYOUT_VERSION).equals(version), "turbo4j-int4 layout version "
                        + (version == null ? "1" : "\"" + version + "\"") + " is not the one this Turbo4j reads ("
                        + Int4GroupWeight.LAYOUT_VERSION + "); run 'turbo4j convert' again on the source model");
            }
            default -> throw new IllegalStateException();
        }
    }

    private void require(boolean ok, String problem) {
        if (!ok) {
            throw new ModelLoadException(source + ": " + problem);
        }
    }

    /** Whether GPTQ zero points are stored minus one (AutoGPTQ v1). */
    public boolean gptqZeroOffset() {
        return format == ModelFormat.GPTQ && !"gptq_v2".equals(checkpointFormat);
    }

    private static JsonNode readJson(Path file) {
        JsonNode n = ModelJson.read(file);
        if (n == null) {
            throw new ModelLoadException(file.getParent() + ": no " + file.getFileName() + " — is this a Hugging Face model folder?");
        }
        if (!n.isObject()) {
            throw new ModelLoadException(file + ": not a JSON object");
        }
        return n;
    }
}
