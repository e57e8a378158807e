package dev.turbo4j.core.model;

import dev.turbo4j.core.kernel.DenseWeight;
import dev.turbo4j.core.kernel.LinearWeight;
import dev.turbo4j.core.kernel.RowParallelLinear;
import dev.turbo4j.core.kernel.StackedLinear;
import dev.turbo4j.core.quant.LinearLoader;
import dev.turbo4j.core.quant.ModelFormat;
import dev.turbo4j.core.quant.QuantizationConfig;
import dev.turbo4j.core.safetensors.TensorInfo;
import dev.turbo4j.core.safetensors.TensorStore;
import dev.turbo4j.core.tensor.DType;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds {@link ModelWeights} from a folder's tensors, following the family's
 * {@link WeightNames} and checking every shape against config.json. Linear layers load in
 * the folder's format (dense or quantized, see {@link LinearLoader}); embeddings and norms
 * are dense. A folder split for tensor parallelism (see {@link TensorParallel}) loads each
 * layer from its shards as stored: column-parallel shards stacked by output rows,
 * row-parallel ones in a {@link RowParallelLinear}, so loading stays a memory map.
 */
public final class WeightLoader {
    private final TensorStore store;
    private final ModelConfig config;
    private final LinearLoader linears;
    private List<String> unused = List.of();

    /** A loader for dense folders. */
    public WeightLoader(TensorStore store, ModelConfig config) {
        this(store, config, QuantizationConfig.dense(store.dir().resolve("config.json")), Arena.global());
    }

    /** A loader whose repacked weights (if any) live in {@code arena}. */
    public WeightLoader(TensorStore store, ModelConfig config, QuantizationConfig quant, Arena arena) {
        this(store, config, quant, arena, false);
    }

    /**
     * @param checkOnly check every tensor but copy and repack nothing (see {@link Model#check}):
     *                  the weights it returns have their shapes, not their data
     */
    public WeightLoader(TensorStore store, ModelConfig config, QuantizationConfig quant, Arena arena,
                        boolean checkOnly) {
        this.store = store;
        this.config = config;
        boolean packed = quant.format() == ModelFormat.AWQ || quant.format() == ModelFormat.GPTQ;
        if (packed && store.tensors().keySet().stream().noneMatch(n -> n.endsWith(".qweight"))) {
            // Else every layer would load as dense and the format (say, a --model-format override) go unnoticed.
            throw new ModelLoadException(store.dir() + ": read as " + quant.format().id() + " but it holds no quantized"
                    + " layers (no .qweight tensors); if it is a dense model, leave --model-format out");
        }
        // Linear layers are streamed whole every decode step: resident copies, not the map.
        this.linears = new LinearLoader(store, quant, arena, (base, rows, cols) -> dense(base, rows, cols, true),
                checkOnly);
    }

    /** Bytes of weights repacked at load (resident off-heap, beside the memory map). */
    public long repackedBytes() {
        return linears.repackedBytes();
    }

    /** Bytes of weights copied as they are into resident memory at load (see {@link LinearLoader#resident}). */
    public long copiedBytes() {
        return linears.copiedBytes();
    }

    public ModelWeights load() {
        WeightNames names = config.architecture().weightNames();
        int hidden = config.hiddenSize();
        String head = names.lmHead();
        boolean hasHead = store.has(head + ".weight") || store.has(head + ".qweight");
        boolean tied = config.tieWordEmbeddings() || !hasHead;
        if (tied && !config.tieWordEmbeddings()) {
            // Some exporters drop the head of tied models without saying so in config.json.
            store.get(names.lmHead() + ".weight");
        }
        // Only a tied embedding is streamed whole (as the head); otherwise a row per token is read.
        LinearWeight embedding = dense(names.embedding(), config.vocabSize(), hidden, tied);
        List<LayerWeights> layers = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            layers.add(layer(names, i));
        }
        float[] finalNorm = vector(names.finalNorm() + ".weight", hidden);
        LinearWeight lmHead = tied ? embedding : linears.load(head, config.vocabSize(), hidden);
        String ignoredHead = tied ? head + "." : null; // a tied model's stored head, dense or quantized
        unused = store.unusedTensors().stream()
                .filter(name -> (ignoredHead == null || !name.startsWith(ignoredHead)) && !name.endsWith(".rotary_emb.inv_freq"))
                .toList();
        return new ModelWeights(embedding, List.copyOf(layers), finalNorm, lmHead);
    }

    /**
     * After {@link #load}: tensors of the files the model did not use (besides a tied model's
     * stored head and old checkpoints' rotary tables). Non-empty usually means config.json does
     * not describe these weights: another architecture (a Qwen2 read as Llama loses its
     * biases) or fewer layers than stored.
     */
    public List<String> unusedTensors() {
        return unused;
    }

    private LayerWeights layer(WeightNames n, int i) {
        int hidden = config.hiddenSize();
        int qkvRows = config.qDim() + 2 * config.kvDim();
        LinearWeight qkv;
        float[] qkvBias = null;
        if (n.packedQkv()) {
            String base = WeightNames.layer(n.qkv(), i);
            qkv = stack(columnShards(base, qkvRows, hidden));
            if (config.qkvBias()) {
                qkvBias = vector(base + ".bias", qkvRows);
            }
        } else {
            String q = WeightNames.layer(n.q(), i);
            String k = WeightNames.layer(n.k(), i);
            String v = WeightNames.layer(n.v(), i);
            qkv = stack(columnShards(q, config.qDim(), hidden), columnShards(k, config.kvDim(), hidden),
                    columnShards(v, config.kvDim(), hidden));
            if (config.qkvBias()) {
                qkvBias = concat(vector(q + ".bias", config.qDim()), vector(k + ".bias", config.kvDim()),
                        vector(v + ".bias", config.kvDim()));
            }
        }
        String o = WeightNames.layer(n.o(), i);
        LinearWeight oWeight = rowParallel(o, hidden, config.qDim());
        float[] oBias = config.oBias() ? vector(o + ".bias", hidden) : null;
        int inter = config.intermediateSize();
        LinearWeight gateUp = stack(columnShards(WeightNames.layer(n.gate(), i), inter, hidden),
                columnShards(WeightNames.layer(n.up(), i), inter, hidden));
        LinearWeight down = rowParallel(WeightNames.layer(n.down(), i), hidden, inter);
        return new LayerWeights(vector(WeightNames.layer(n.attentionNorm(), i) + ".weight", hidden), qkv, qkvBias,
                oWeight, oBias, vector(WeightNames.layer(n.mlpNorm(), i) + ".weight", hidden), gateUp, down);
    }

    /**
     * A column-parallel layer [rows × cols] as its shards in rank order, each a block of
     * rows / tp output rows (the whole layer when the folder is unsplit).
     */
    private List<LinearWeight> columnShards(String base, int rows, int cols) {
        int tp = config.tensorParallel();
        if (tp == 1) {
            return List.of(linears.load(base, rows, cols));
        }
        List<LinearWeight> shards = new ArrayList<>();
        for (int r = 0; r < tp; r++) {
            shards.add(linears.load(TensorParallel.shardName(base, r), rows / tp, cols));
        }
        return shards;
    }

    /** A row-parallel layer [rows × cols]: the whole layer, or its shards of cols / tp inputs summed. */
    private LinearWeight rowParallel(String base, int rows, int cols) {
        int tp = config.tensorParallel();
        if (tp == 1) {
            return linears.load(base, rows, cols);
        }
        List<LinearWeight> shards = new ArrayList<>();
        for (int r = 0; r < tp; r++) {
            shards.add(linears.load(TensorParallel.shardName(base, r), rows, cols / tp));
        }
        return new RowParallelLinear(shards);
    }

    /** Weights over one input stacked by output rows, in order; a single weight as itself. */
    @SafeVarargs
    private static LinearWeight stack(List<LinearWeight>... groups) {
        List<LinearWeight> parts = new ArrayList<>();
        for (List<LinearWeight> g : groups) {
            parts.addAll(g);
        }
        return parts.size() == 1 ? parts.getFirst() : new StackedLinear(parts);
    }

    private DenseWeight dense(String base, int rows, int cols, boolean resident) {
        TensorInfo t = store.get(base + ".weight");
        checkShape(t, rows, cols);
        checkFloat(t);
        return DenseWeight.of(resident ? linears.resident(t.data()) : t.data(), t.dtype(), rows, cols);
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
