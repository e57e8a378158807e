package dev.turbo4j.core.quant;

import dev.turbo4j.core.kernel.DenseWeight;
import dev.turbo4j.core.kernel.Int4GroupWeight;
import dev.turbo4j.core.kernel.Int8ChannelWeight;
import dev.turbo4j.core.kernel.LinearWeight;
import dev.turbo4j.core.model.TensorParallel;
import dev.turbo4j.core.safetensors.SafetensorsWriter;
import dev.turbo4j.core.safetensors.TensorInfo;
import dev.turbo4j.core.safetensors.TensorStore;
import dev.turbo4j.core.tensor.DType;

import java.lang.foreign.Arena;

/**
 * Writes decoder linears as their tensor-parallel shards (see {@link TensorParallel}), each
 * shard in the layout the engine loads as a memory map: dense and turbo4j-int8 blocks copied
 * (int8 with their rows' scales), int4 blocks (AWQ, GPTQ, turbo4j-int4) repacked into
 * {@link Int4GroupWeight}'s layout with the layer's own groups, scales and zero points.
 */
final class ShardWriter {
    private final TensorStore store;
    private final QuantizationConfig quant;
    private final int tp;

    ShardWriter(TensorStore store, QuantizationConfig quant, int tp) {
        this.store = store;
        this.quant = quant;
        this.tp = tp;
    }

    /**
     * Fails unless each rank's block of the layer holds whole units of its format: an int4
     * group, or the int8 kernel's column multiple, along the input (reads only headers).
     */
    void checkSplittable(TensorParallel.Linear layer) {
        LinearLoader loader = loader();
        int unit = loader.inputGranularity(layer.base(), layer.rows(), layer.cols());
        int cols = layer.shardCols(tp);
        if (cols % unit != 0) {
            String what = loader.isInt4(layer.base()) ? "its int4 group size" : "the int8 kernel's column multiple";
            throw new IllegalArgumentException("--tp " + tp + " gives each rank " + cols + " of the " + layer.cols()
                    + " inputs of layer " + layer.base() + ", not a multiple of " + unit + " (" + what
                    + "); use fewer ranks");
        }
    }

    /** Whether the layer's shards are int4 (repacked when written). */
    boolean isInt4(TensorParallel.Linear layer) {
        return loader().isInt4(layer.base());
    }

    /** The input columns per group of an int4 layer. */
    int groupSize(TensorParallel.Linear layer) {
        return loader().inputGranularity(layer.base(), layer.rows(), layer.cols());
    }

    /** Adds the tensors of the layer's tp shards, {@code <base>.tp<r>.*}, in rank order. */
    void add(SafetensorsWriter w, TensorParallel.Linear layer) {
        if (isInt4(layer)) {
            addInt4(w, layer);
            return;
        }
        // Dense and int8 layers are views of the memory map: their blocks are copied from it.
        switch (loader().load(layer.base(), layer.rows(), layer.cols())) {
            case DenseWeight d -> {
                for (int r = 0; r < tp; r++) {
                    TensorParallel.Block b = layer.shard(r, tp);
                    CheckpointWriter.addBlock(w, TensorParallel.shardName(layer.base(), r) + ".weight", d.dtype(),
                            new long[] {b.rows(), b.cols()}, d.data(), d.cols(), b);
                }
            }
            case Int8ChannelWeight q -> {
                for (int r = 0; r < tp; r++) {
                    TensorParallel.Block b = layer.shard(r, tp);
                    String name = TensorParallel.shardName(layer.base(), r);
                    CheckpointWriter.addBlock(w, name + ".qweight", DType.I8, new long[] {b.rows(), b.cols()}, q.q(),
                            q.cols(), b);
                    // Per-row scales: a row-parallel shard's rows are all the layer's, so it keeps every scale.
                    CheckpointWriter.addBlock(w, name + ".scales", DType.F32, new long[] {b.rows()}, q.scales(), 1,
                            new TensorParallel.Block(b.rowStart(), b.rows(), 0, 1));
                }
            }
            case LinearWeight other -> throw new IllegalStateException("cannot split " + other.getClass().getSimpleName());
        }
    }

    private void addInt4(SafetensorsWriter w, TensorParallel.Linear layer) {
        int groupSize = groupSize(layer);
        // The whole layer is loaded (AWQ/GPTQ repacked) when its first shard is written and
        // dropped after its last, so one layer at a time is held in memory.
        CheckpointWriter.Once<Int4GroupWeight> whole = new CheckpointWriter.Once<>(() ->
                (Int4GroupWeight) loader().load(layer.base(), layer.rows(), layer.cols()));
        for (int r = 0; r < tp; r++) {
            TensorParallel.Block b = layer.shard(r, tp);
            boolean last = r == tp - 1;
            CheckpointWriter.Once<Int4GroupWeight> shard = new CheckpointWriter.Once<>(() -> {
                Int4GroupWeight s = Int4Repacker.repack(new Int4Block(whole.get(), b), Arena.ofAuto());
                if (last) {
                    whole.release();
                }
                return s;
            });
            CheckpointWriter.addInt4(w, TensorParallel.shardName(layer.base(), r), shard, b.rows(), b.cols(), groupSize);
        }
    }

    /** A loader in a fresh automatic arena: what it repacks is freed once dropped. */
    private LinearLoader loader() {
        return new LinearLoader(store, quant, Arena.ofAuto(), this::dense);
    }

    private LinearWeight dense(String base, int rows, int cols) {
        String layout = "a dense layer";
        TensorInfo t = QuantTensors.get(store, base + ".weight", layout, DType.F32, DType.BF16, DType.F16);
        QuantTensors.checkShape(store, t, layout, rows, cols);
        return DenseWeight.of(t.data(), t.dtype(), rows, cols);
    }
}
