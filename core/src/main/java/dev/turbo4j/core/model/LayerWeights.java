package dev.turbo4j.core.model;

import dev.turbo4j.core.kernel.LinearWeight;

/**
 * One decoder layer. {@code qkv} outputs q, k and v stacked ([q heads | k heads | v heads],
 * or per kv-head group when {@link WeightNames#packedQkv()}); {@code gateUp} outputs gate and
 * up stacked. Biases are null when the family has none.
 */
public record LayerWeights(float[] attentionNorm, LinearWeight qkv, float[] qkvBias, LinearWeight o, float[] oBias,
                           float[] mlpNorm, LinearWeight gateUp, LinearWeight down) {
}
