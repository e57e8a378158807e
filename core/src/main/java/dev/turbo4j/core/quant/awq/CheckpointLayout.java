package dev.turbo4j.core.quant.awq;

import dev.turbo4j.core.model.ModelConfig;
import dev.turbo4j.core.model.WeightNames;

import java.util.List;
import java.util.stream.Stream;

/**
 * Where a layer's quantized linears live in a checkpoint: each stacked matrix of
 * {@link FloatLayer} (qkv, gate/up) is one or more Hugging Face tensors, each a range of its
 * rows. The writer and the reader share this map so they cannot disagree.
 */
public final class CheckpointLayout {
    private final ModelConfig config;
    private final WeightNames names;

    public CheckpointLayout(ModelConfig config) {
        this.config = config;
        this.names = config.architecture().weightNames();
    }

    /**
     * A tensor's base name (AutoAWQ appends .qweight, .qzeros, .scales, .bias), the rows
     * [rowStart, rowEnd) of the stacked matrix it holds, and its input size.
     */
    public record Part(String name, int rowStart, int rowEnd, int inFeatures) {
        public int outFeatures() {
            return rowEnd - rowStart;
        }
    }

    /** q, k, v (or the packed wqkv) of layer i. */
    public List<Part> qkv(int i) {
        int hidden = config.hiddenSize();
        int q = config.qDim();
        int kv = config.kvDim();
        if (names.packedQkv()) {
            return List.of(new Part(WeightNames.layer(names.qkv(), i), 0, q + 2 * kv, hidden));
        }
        return List.of(new Part(WeightNames.layer(names.q(), i), 0, q, hidden),
                new Part(WeightNames.layer(names.k(), i), q, q + kv, hidden),
                new Part(WeightNames.layer(names.v(), i), q + kv, q + 2 * kv, hidden));
    }

    public Part o(int i) {
        return new Part(WeightNames.layer(names.o(), i), 0, config.hiddenSize(), config.qDim());
    }

    /** gate then up of layer i. */
    public List<Part> gateUp(int i) {
        int inter = config.intermediateSize();
        int hidden = config.hiddenSize();
        return List.of(new Part(WeightNames.layer(names.gate(), i), 0, inter, hidden),
                new Part(WeightNames.layer(names.up(), i), inter, 2 * inter, hidden));
    }

    public Part down(int i) {
        return new Part(WeightNames.layer(names.down(), i), 0, config.hiddenSize(), config.intermediateSize());
    }

    /** Every quantized tensor of layer i. */
    public List<Part> all(int i) {
        return Stream.of(qkv(i), List.of(o(i)), gateUp(i), List.of(down(i))).flatMap(List::stream).toList();
    }

    public String attentionNorm(int i) {
        return WeightNames.layer(names.attentionNorm(), i) + ".weight";
    }

    public String mlpNorm(int i) {
        return WeightNames.layer(names.mlpNorm(), i) + ".weight";
    }

    public String embedding() {
        return names.embedding() + ".weight";
    }

    public String finalNorm() {
        return names.finalNorm() + ".weight";
    }

    public String lmHead() {
        return names.lmHead() + ".weight";
    }
}
