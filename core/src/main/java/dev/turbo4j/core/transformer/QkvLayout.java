package dev.turbo4j.core.transformer;

import dev.turbo4j.core.model.ModelConfig;

/**
 * Where each head lies in a token's stacked q/k/v projection output. Usually
 * [all q heads | all k heads | all v heads]; InternLM2 packs them per kv-head group
 * [q × group size, k, v] × kv heads. The forward pass reads heads through this, so the
 * packed weight is used as stored.
 */
public record QkvLayout(int headDim, int numHeads, int numKvHeads, boolean grouped) {

    public static QkvLayout of(ModelConfig c) {
        return new QkvLayout(c.headDim(), c.numHeads(), c.numKvHeads(), c.architecture().weightNames().packedQkv());
    }

    public int width() {
        return (numHeads + 2 * numKvHeads) * headDim;
    }

    private int groupSize() {
        return numHeads / numKvHeads;
    }

    public int q(int head) {
        if (!grouped) {
            return head * headDim;
        }
        int g = head / groupSize();
        return (g * (groupSize() + 2) + head % groupSize()) * headDim;
    }

    public int k(int kvHead) {
        return grouped ? (kvHead * (groupSize() + 2) + groupSize()) * headDim : (numHeads + kvHead) * headDim;
    }

    public int v(int kvHead) {
        return grouped ? (kvHead * (groupSize() + 2) + groupSize() + 1) * headDim
                : (numHeads + numKvHeads + kvHead) * headDim;
    }
}
