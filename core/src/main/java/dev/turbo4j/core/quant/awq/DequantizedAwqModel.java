package dev.turbo4j.core.quant.awq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turbo4j.core.kernel.DenseWeight;
import dev.turbo4j.core.kernel.LinearWeight;
import dev.turbo4j.core.model.LayerWeights;
import dev.turbo4j.core.model.ModelConfig;
import dev.turbo4j.core.model.ModelLoadException;
import dev.turbo4j.core.model.ModelWeights;
import dev.turbo4j.core.safetensors.TensorInfo;
import dev.turbo4j.core.safetensors.TensorStore;
import dev.turbo4j.core.tensor.DType;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An AutoAWQ gemm checkpoint read back with every quantized linear dequantized to F32
 * ({@code W' = (q − z) · s}, exact): the checkpoint's float model, for evaluating what
 * {@code lite auto_awq} wrote (perplexity) without a 4-bit kernel. It has {@link
 * dev.turbo4j.core.model.Model}'s shape (config + weights), so callers switch to the engine's
 * own AWQ loader by replacing {@code DequantizedAwqModel.load(dir)} with {@code Model.load(dir)}.
 */
public final class DequantizedAwqModel implements AutoCloseable {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final ModelConfig config;
    private final ModelWeights weights;
    private final TensorStore store;
    private final Arena arena;

    private DequantizedAwqModel(ModelConfig config, ModelWeights weights, TensorStore store, Arena arena) {
        this.config = config;
        this.weights = weights;
        this.store = store;
        this.arena = arena;
    }

    /** Loads dir (config.json with an AWQ gemm quantization_config, safetensors). */
    public static DequantizedAwqModel load(Path dir) {
        ModelConfig config = ModelConfig.load(dir);
        int groupSize = checkQuantizationConfig(dir);
        TensorStore store = TensorStore.open(dir);
        Arena arena = Arena.ofShared();
        try {
            Reader reader = new Reader(store, config, groupSize, arena);
            return new DequantizedAwqModel(config, reader.weights(), store, arena);
        } catch (RuntimeException e) {
            arena.close();
            store.close();
            throw e;
        }
    }

    public ModelConfig config() {
        return config;
    }

    public ModelWeights weights() {
        return weights;
    }

    @Override
    public void close() {
        arena.close();
        store.close();
    }

    /** Checks the quantization_config and returns its group size (−1: per channel). */
    private static int checkQuantizationConfig(Path dir) {
        Path file = dir.resolve("config.json");
        JsonNode q;
        try {
            q = new ObjectMapper().readTree(file.toFile()).path("quantization_config");
        } catch (IOException e) {
            throw new ModelLoadException(file + ": cannot read: " + e.getMessage(), e);
        }
        String method = q.path("quant_method").asText("");
        String version = q.path("version").asText("gemm");
        if (!method.equalsIgnoreCase("awq") || !version.equalsIgnoreCase("gemm")) {
            throw new ModelLoadException(file + ": not an AutoAWQ gemm checkpoint (quant_method \"" + method
                    + "\", version \"" + version + "\")");
        }
        if (q.path("bits").asInt(4) != 4) {
            throw new ModelLoadException(file + ": AWQ gemm with " + q.path("bits").asInt() + " bits is not supported (4 only)");
        }
        return q.path("group_size").asInt(128);
    }

    /** Builds the F32 weights tensor by tensor. */
    private static final class Reader {
        private final TensorStore store;
        private final ModelConfig config;
        private final CheckpointLayout layout;
        private final int groupSize;
        private final Arena arena;

        Reader(TensorStore store, ModelConfig config, int groupSize, Arena arena) {
            this.store = store;
            this.config = config;
            this.layout = new CheckpointLayout(config);
            this.groupSize = groupSize;
            this.arena = arena;
        }

        ModelWeights weights() {
            LinearWeight embedding = dense(layout.embedding(), config.vocabSize(), config.hiddenSize());
            List<LayerWeights> layers = new ArrayList<>();
            for (int i = 0; i < config.numLayers(); i++) {
                layers.add(layer(i));
            }
            LinearWeight lmHead = config.tieWordEmbeddings() ? embedding
                    : dense(layout.lmHead(), config.vocabSize(), config.hiddenSize());
            return new ModelWeights(embedding, List.copyOf(layers), vector(layout.finalNorm(), config.hiddenSize()), lmHead);
        }

        private LayerWeights layer(int i) {
            int hidden = config.hiddenSize();
            List<CheckpointLayout.Part> qkv = layout.qkv(i);
            return new LayerWeights(vector(layout.attentionNorm(i), hidden), stacked(qkv), config.qkvBias() ? bias(qkv) : null,
                    stacked(List.of(layout.o(i))), config.oBias() ? bias(List.of(layout.o(i))) : null,
                    vector(layout.mlpNorm(i), hidden), stacked(layout.gateUp(i)), stacked(List.of(layout.down(i))));
        }

        /** The parts dequantized and stacked by rows into one F32 weight. */
        private LinearWeight stacked(List<CheckpointLayout.Part> parts) {
            FloatMatrix[] matrices = new FloatMatrix[parts.size()];
            for (int p = 0; p < matrices.length; p++) {
                matrices[p] = AwqGemmPacking.unpack(tensors(parts.get(p))).dequantize();
            }
            return FloatMatrix.stackRows(matrices).toLinear(arena);
        }

        private AwqGemmPacking.Tensors tensors(CheckpointLayout.Part p) {
            int in = p.inFeatures();
            int out = p.outFeatures();
            int group = groupSize == -1 ? in : groupSize;
            if (in % group != 0 || out % 8 != 0) {
                throw new ModelLoadException(store.dir() + ": " + p.name() + " [" + out + " x " + in
                        + "] does not fit AWQ gemm packing with group size " + group);
            }
            int[] qweight = ints(p.name() + ".qweight", in, out / 8);
            int[] qzeros = ints(p.name() + ".qzeros", in / group, out / 8);
            TensorInfo scales = tensor(p.name() + ".scales", DType.F16, in / group, out);
            short[] scaleBits = new short[(in / group) * out];
            MemorySegment.copy(scales.data(), SHORT, 0, scaleBits, 0, scaleBits.length);
            return new AwqGemmPacking.Tensors(qweight, qzeros, scaleBits, in, out, group);
        }

        private int[] ints(String name, long... shape) {
            TensorInfo t = tensor(name, DType.I32, shape);
            int[] out = new int[Math.toIntExact(t.data().byteSize() / 4)];
            MemorySegment.copy(t.data(), INT, 0, out, 0, out.length);
            return out;
        }

        private float[] bias(List<CheckpointLayout.Part> parts) {
            List<float[]> pieces = new ArrayList<>();
            int n = 0;
            for (CheckpointLayout.Part p : parts) {
                float[] b = vector(p.name() + ".bias", p.outFeatures());
                pieces.add(b);
                n += b.length;
            }
            float[] out = new float[n];
            int off = 0;
            for (float[] b : pieces) {
                System.arraycopy(b, 0, out, off, b.length);
                off += b.length;
            }
            return out;
        }

        private DenseWeight dense(String name, int rows, int cols) {
            TensorInfo t = tensor(name, null, rows, cols);
            return DenseWeight.of(t.data(), t.dtype(), rows, cols);
        }

        private float[] vector(String name, int size) {
            TensorInfo t = tensor(name, null, size);
            float[] out = new float[size];
            DenseWeight.of(t.data(), t.dtype(), 1, size).readRow(0, out, 0);
            return out;
        }

        /** The tensor, checked for shape and (when dtype is null) for being a float tensor. */
        private TensorInfo tensor(String name, DType dtype, long... shape) {
            TensorInfo t = store.get(name);
            if (!Arrays.equals(t.shape(), shape)) {
                throw new ModelLoadException(store.dir() + ": tensor '" + name + "' has shape " + t.shapeString()
                        + ", expected " + Arrays.toString(shape));
            }
            boolean ok = dtype != null ? t.dtype() == dtype
                    : t.dtype() == DType.F32 || t.dtype() == DType.F16 || t.dtype() == DType.BF16;
            if (!ok) {
                throw new ModelLoadException(store.dir() + ": tensor '" + name + "' has dtype " + t.dtype()
                        + ", expected " + (dtype != null ? dtype : "F32, F16 or BF16"));
            }
            return t;
        }
    }
}
