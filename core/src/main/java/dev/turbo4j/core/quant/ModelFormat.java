package dev.turbo4j.core.quant;

import java.util.Locale;

/**
 * How a model folder stores its linear weights. Detected from config.json's
 * quantization_config (or quantize_config.json); {@code --model-format} overrides it.
 */
public enum ModelFormat {
    /** Dense F32/BF16/F16 weights ({@code <name>.weight}). */
    HF("hf"),
    /** AutoAWQ "gemm" checkpoints: 4-bit, groups along the input, zero points. */
    AWQ("awq"),
    /** AutoGPTQ 4-bit checkpoints (v1 with its zero offset, or v2), desc_act=false. */
    GPTQ("gptq"),
    /** Turbo4j's int8 per-channel weights, written by {@code turbo4j lite quantize --w-bits 8}. */
    TURBO4J_INT8("turbo4j-int8"),
    /** Turbo4j's prepared int4 layout (nibble-128), written by {@code turbo4j convert}. */
    TURBO4J_INT4("turbo4j-int4");

    private final String id;

    ModelFormat(String id) {
        this.id = id;
    }

    /** The name in quantization_config's quant_method and on the command line. */
    public String id() {
        return id;
    }

    /** The format named {@code name} (case-insensitive), or null. */
    public static ModelFormat fromId(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (ModelFormat f : values()) {
            if (f.id.equals(n)) {
                return f;
            }
        }
        return null;
    }
}
