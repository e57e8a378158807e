package dev.turbo4j.core.model;

import dev.turbo4j.core.quant.ModelFormat;

/**
 * How to load a model folder.
 *
 * @param modelFormat the weight format, or null to detect it from config.json's
 *                    quantization_config (LMDeploy's --model-format)
 * @param tp          the tensor-parallel ranks asked for (LMDeploy's --tp): 1, or the count a
 *                    folder was split for by {@code turbo4j convert --tp}; see
 *                    {@link TensorParallel#checkRequested}
 */
public record LoadOptions(ModelFormat modelFormat, int tp) {
    /** Detect everything from the folder. */
    public static final LoadOptions DEFAULT = new LoadOptions(null, 1);

    public LoadOptions withModelFormat(ModelFormat format) {
        return new LoadOptions(format, tp);
    }

    public LoadOptions withTp(int ranks) {
        return new LoadOptions(modelFormat, ranks);
    }
}
