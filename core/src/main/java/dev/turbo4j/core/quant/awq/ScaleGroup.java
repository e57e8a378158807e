package dev.turbo4j.core.quant.awq;

import dev.turbo4j.core.model.ModelConfig;

/**
 * The groups of linear layers that share one input, and the operation before them that a
 * per-channel scale s can be folded into (LMDeploy's NORM_FCS_MAP and FC_FCS_MAP): the
 * following linears' input columns are multiplied by s and the preceding operation's output
 * divided by s, so the float model computes exactly the same function while the salient
 * input channels get more of the quantization grid.
 */
public enum ScaleGroup {
    /** input norm → q, k, v; the search measures the attention block's output. */
    ATTENTION_INPUT("input_layernorm -> q,k,v"),
    /** post-attention norm → gate, up; the search measures the MLP's output. */
    MLP_INPUT("post_attention_layernorm -> gate,up"),
    /** v → o; the search measures o's output. */
    ATTENTION_OUTPUT("v -> o"),
    /** up → down; the search measures down's output. */
    MLP_OUTPUT("up -> down");

    private final String label;

    ScaleGroup(String label) {
        this.label = label;
    }

    /** "v -> o" etc., for reports. */
    public String label() {
        return label;
    }

    /**
     * Whether the scale can be folded for this model. v → o cannot under grouped-query
     * attention: v has fewer output channels than o has inputs (each v channel feeds several
     * query heads), so LMDeploy and AutoAWQ skip it there; nor when q/k/v are packed in one
     * tensor (InternLM2's wqkv), as LMDeploy does.
     */
    public boolean appliesTo(ModelConfig config) {
        if (this != ATTENTION_OUTPUT) {
            return true;
        }
        return config.kvDim() == config.qDim() && !config.architecture().weightNames().packedQkv();
    }

    /** The weights whose input columns take the scale. */
    public FloatMatrix following(FloatLayer layer) {
        return switch (this) {
            case ATTENTION_INPUT -> layer.qkv();
            case MLP_INPUT -> layer.gateUp();
            case ATTENTION_OUTPUT -> layer.o();
            case MLP_OUTPUT -> layer.down();
        };
    }

    /**
     * Channels whose scale must stay 1: where a norm weight is 0 the channel is zero whatever
     * the scale (LMDeploy's zero_positions); null when every channel may be scaled.
     */
    public boolean[] fixedChannels(FloatLayer layer) {
        float[] norm = switch (this) {
            case ATTENTION_INPUT -> layer.attentionNorm();
            case MLP_INPUT -> layer.mlpNorm();
            default -> null;
        };
        if (norm == null) {
            return null;
        }
        boolean[] fixed = new boolean[norm.length];
        for (int i = 0; i < norm.length; i++) {
            fixed[i] = norm[i] == 0f;
        }
        return fixed;
    }

    /** Folds s: 1/s into the preceding norm or linear (and its bias), s into the following columns. */
    public void fold(FloatLayer layer, float[] s, ModelConfig config) {
        switch (this) {
            case ATTENTION_INPUT -> divide(layer.attentionNorm(), 0, s);
            case MLP_INPUT -> divide(layer.mlpNorm(), 0, s);
            case ATTENTION_OUTPUT -> {
                int vStart = config.qDim() + config.kvDim();
                layer.qkv().divideRows(vStart, s);
                if (layer.qkvBias() != null) {
                    divide(layer.qkvBias(), vStart, s);
                }
            }
            case MLP_OUTPUT -> layer.gateUp().divideRows(config.intermediateSize(), s);
        }
        following(layer).scaleColumns(s);
    }

    private static void divide(float[] v, int start, float[] s) {
        for (int i = 0; i < s.length; i++) {
            v[start + i] /= s[i];
        }
    }
}
