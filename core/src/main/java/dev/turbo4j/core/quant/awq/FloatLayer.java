package dev.turbo4j.core.quant.awq;

import dev.turbo4j.core.kernel.LinearWeight;
import dev.turbo4j.core.model.LayerWeights;

import java.lang.foreign.Arena;

/**
 * One decoder layer's weights as mutable F32 copies, the state AWQ edits: scales are folded
 * into the norms and matrices in place. {@code qkv} stacks the q, k and v rows in the model's
 * layout ({@code [q | k | v]}, or per kv-head group for packed families); {@code gateUp} stacks
 * gate then up. Biases are null when the family has none.
 */
public record FloatLayer(float[] attentionNorm, FloatMatrix qkv, float[] qkvBias, FloatMatrix o, float[] oBias,
                         float[] mlpNorm, FloatMatrix gateUp, FloatMatrix down) {

    /** Copies a loaded layer (any weight format) to F32. */
    public static FloatLayer copyOf(LayerWeights w) {
        return new FloatLayer(w.attentionNorm().clone(), FloatMatrix.copyOf(w.qkv()), cloneOrNull(w.qkvBias()),
                FloatMatrix.copyOf(w.o()), cloneOrNull(w.oBias()), w.mlpNorm().clone(), FloatMatrix.copyOf(w.gateUp()),
                FloatMatrix.copyOf(w.down()));
    }

    /** The four matrices as kernel weights, valid while {@code arena} is open. */
    public Linears linears(Arena arena) {
        return new Linears(qkv.toLinear(arena), o.toLinear(arena), gateUp.toLinear(arena), down.toLinear(arena));
    }

    /** The layer's matrices in the form the matmul kernels read. */
    public record Linears(LinearWeight qkv, LinearWeight o,
                          LinearWeight gateUp, LinearWeight down) {

        /** These linears with a scale group's following weight replaced. */
        public Linears with(ScaleGroup group, LinearWeight w) {
            return switch (group) {
                case ATTENTION_INPUT -> new Linears(w, o, gateUp, down);
                case MLP_INPUT -> new Linears(qkv, o, w, down);
                case ATTENTION_OUTPUT -> new Linears(qkv, w, gateUp, down);
                case MLP_OUTPUT -> new Linears(qkv, o, gateUp, w);
            };
        }
    }

    private static float[] cloneOrNull(float[] a) {
        return a == null ? null : a.clone();
    }
}
