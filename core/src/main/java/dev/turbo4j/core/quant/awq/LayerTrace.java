package dev.turbo4j.core.quant.awq;

/**
 * The inputs of a layer's linear groups for one calibration batch, token-major
 * ([tokens × width]): what the activation statistics are taken from and what the scale
 * search replays the blocks on.
 *
 * @param attentionInput input of q/k/v (the attention norm's output)
 * @param outputInput    input of o (the attention heads' output)
 * @param mlpInput       input of gate/up (the post-attention norm's output)
 * @param downInput      input of down (silu(gate) · up)
 */
public record LayerTrace(int tokens, float[] attentionInput, float[] outputInput, float[] mlpInput, float[] downInput) {

    /** The recorded input of a group's following linears. */
    public float[] inputOf(ScaleGroup group) {
        return switch (group) {
            case ATTENTION_INPUT -> attentionInput;
            case MLP_INPUT -> mlpInput;
            case ATTENTION_OUTPUT -> outputInput;
            case MLP_OUTPUT -> downInput;
        };
    }
}
