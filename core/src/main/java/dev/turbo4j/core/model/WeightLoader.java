package dev.turbo4j.core.model;

import dev.turbo4j.core.kernel.DenseWeight;
import dev.turbo4j.core.kernel.LinearWeight;
import dev.turbo4j.core.kernel.StackedLinear;
import dev.turbo4j.core.safetensors.TensorInfo;
import dev.turbo4j.core.safetensors.TensorStore;
import dev.turbo4j.core.tensor.DType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds {@link ModelWeights} from a folder's tensors, following the family's
 * {@link WeightNames} and checking every shape against config.json.
 */
public final class WeightLoader {
    private final TensorStore store;
    private final ModelConfig config;

    public WeightLoader(TensorStore store, ModelConfig config) {
        this.store = store;
        this.config = config;
    }

    public ModelWeights load() {
        WeightNames names = config.architecture().weightNames();
        int hidden = config.hiddenSize();
        LinearWeight embedding = dense(names.embedding(), config.vocabSize(), hidden);
        List<LayerWeights> layers = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            layers.add(layer(names, i));
        }
        float[] finalNorm = vector(names.finalNorm() + ".weight", hidden);
        LinearWeight lmHead;
        if (config.tieWordEmbeddings() || !store.has(names.lmHead() + ".weight")) {
            if (!config.tieWordEmbeddings()) {
                // Some exporters drop the head of tied models without saying so in config.json.
                store.get(names.lmHead() + ".weight");
            }
            lmHead = embedding;
        } else {
            lmHead = dense(names.lmHead(), config.vocabSize(), hidden);
        }
        return new ModelWeights(embedding, List.copyOf(layers), finalNorm, lmHead);
    }

    private LayerWeights layer(WeightNames n, int i) {
        int hidden = config.hiddenSize();
        int qkvRows = config.qDim() + 2 * config.kvDim();
        LinearWeight qkv;
        float[] qkvBias = null;
        if (n.packedQkv()) {
            String base = WeightNames.layer(n.qkv(), i);
            qkv = dense(base, qkvRows, hidden);
            if (config.qkvBias()) {
                qkvBias = vector(base + ".bias", qkvRows);
            }
        } else {
            String q = WeightNames.layer(n.q(), i);
            String k = WeightNames.layer(n.k(), i);
            String v = WeightNames.layer(n.v(), i);
            qkv = new StackedLinear(List.of(dense(q, config.qDim(), hidden), dense(k, config.kvDim(), hidden),
                    dense(v, config.kvDim(), hidden)));
            if (config.qkvBias()) {
                qkvBias = concat(vector(q + ".bias", config.qDim()), vector(k + ".bias", config.kvDim()),
                        vector(v + ".bias", config.kvDim()));
            }
        }
        String o = WeightNames.layer(n.o(), i);
        LinearWeight oWeight = dense(o, hidden, config.qDim());
        float[] oBias = config.oBias() ? vector(o + ".bias", hidden) : null;
        int inter = config.intermediateSize();
        LinearWeight gateUp = new StackedLinear(List.of(dense(WeightNames.layer(n.gate(), i), inter, hidden),
                dense(WeightNames.layer(n.up(), i), inter, hidden)));
        LinearWeight down = dense(WeightNames.layer(n.down(), i), hidden, inter);
        return new LayerWeights(vector(WeightNames.layer(n.attentionNorm(), i) + ".weight", hidden), qkv, qkvBias,
                oWeight, oBias, vector(WeightNames.layer(n.mlpNorm(), i) + ".weight", hidden), gateUp, down);
    }

    private DenseWeight dense(String base, int rows, int cols) {
        TensorInfo t = store.get(base + ".weight");
        checkShape(t, rows, cols);
        checkFloat(t);
        return DenseWeight.of(t.data(), t.dtype(), rows, cols);
    }

    private float[] vector(String name, int size) {
        TensorInfo t = store.get(name);
        checkShape(t, size);
        checkFloat(t);
        float[] out = new float[size];
        DenseWeight.of(t.data(), t.dtype(), 1, size).readRow(0, out, 0);
        return out;
    }

    private void checkShape(TensorInfo t, long... expected) {
        if (!Arrays.equals(t.shape(), expected)) {
            throw new ModelLoadException(store.dir() + ": tensor '" + t.name() + "' has shape " + t.shapeString()
                    + " but config.json implies " + Arrays.toString(expected));
        }
    }

    private void checkShape(TensorInfo t, int rows, int cols) {
        checkShape(t, new long[] {rows, cols});
    }

    private void checkShape(TensorInfo t, int size) {
        checkShape(t, new long[] {size});
    }

    private void checkFloat(TensorInfo t) {
        if (t.dtype() != DType.F32 && t.dtype() != DType.BF16 && t.dtype() != DType.F16) {
            throw new ModelLoadException(store.dir() + ": tensor '" + t.name() + "' has dtype " + t.dtype()
                    + "; expected F32, BF16 or F16 (quantized checkpoints need their quantization_config)");
        }
    }

    private static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] out = new float[n];
        int off = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }
}
