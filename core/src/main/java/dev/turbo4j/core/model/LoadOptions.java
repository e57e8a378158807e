package dev.turbo4j.core.model;

import dev.turbo4j.core.quant.ModelFormat;

/**
 * How to load a model folder.
 *
 * @param modelFormat the weight format, or null to detect it from config.json's
 *                    quantization_config (LMDeploy's --model-format)
 */
public record LoadOptions(ModelFormat modelFormat) {
    /** Detect everything from the folder. */
    public static final LoadOptions DEFAULT = new LoadOptions(null);

    public LoadOptions withModelFormat(ModelFormat format) {
        return new LoadOptions(format);
    }
}
