package dev.turbo4j.core.quant;

import dev.turbo4j.core.kernel.DenseWeight;
import dev.turbo4j.core.kernel.Int4GroupWeight;
import dev.turbo4j.core.kernel.Int8ChannelWeight;
import dev.turbo4j.core.model.Model;
import dev.turbo4j.core.model.LoadOptions;
import dev.turbo4j.core.model.ModelConfig;
import dev.turbo4j.core.model.ModelLoadException;
import dev.turbo4j.core.model.TensorParallel;
import dev.turbo4j.core.model.WeightNames;
import dev.turbo4j.core.safetensors.SafetensorsWriter;
import dev.turbo4j.core.safetensors.TensorInfo;
import dev.turbo4j.core.safetensors.TensorStore;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Quantizes a dense model folder's linear layers by round-to-nearest and writes a folder our
 * loader (and, for AWQ, other tools) reads:
 * <ul>
 *   <li>{@link ModelFormat#TURBO4J_INT8}: per layer {@code <name>.qweight} I8 [out, in] and
 *       {@code <name>.scales} F32 [out] (symmetric, per output channel); quantization_config
 *       {@code {"quant_method": "turbo4j-int8", "bits": 8}}.</li>
 *   <li>{@link ModelFormat#AWQ}: an AutoAWQ gemm checkpoint, 4-bit in groups with zero points
 *       (see {@link AwqGemmPacker}).</li>
 * </ul>
 * Embeddings, norms and biases are copied unchanged. With {@code quantizeLmHead} the output
 * head is quantized too (as llama.cpp's Q4_0/Q8_0 files do); a tied head is then written as a
 * separate {@code lm_head} and the config unties it.
 */
public final class ModelQuantizer {
    /**
     * @param format         TURBO4J_INT8 or AWQ
     * @param groupSize      input channels per group (AWQ)
     * @param quantizeLmHead also quantize the output head
     */
    public record Options(ModelFormat format, int groupSize, boolean quantizeLmHead) {
        public Options {
            if (format != ModelFormat.TURBO4J_INT8 && format != ModelFormat.AWQ) {
                throw new IllegalArgumentException("can quantize to turbo4j-int8 or awq, not " + format.id());
            }
        }
    }

    /** What was written. */
    public record Summary(int layersQuantized, long bytesWritten) {
    }

    private ModelQuantizer() {
    }

    public static Summary quantize(Path src, Path dst, Options options) throws IOException {
        CheckpointWriter.requireOtherFolder(src, dst);
        ModelConfig config = ModelConfig.load(src);
        TensorParallel.requireUnsplit(config, src);
        QuantizationConfig existing = QuantizationConfig.read(src, null);
        if (existing.format() != ModelFormat.HF) {
            throw new ModelLoadException(src + ": already quantized (" + existing.format().id() + "); quantize the dense model");
        }
        Model.check(src, LoadOptions.DEFAULT); // a broken source is refused, not quantized
        WeightNames names = config.architecture().weightNames();
        Set<String> linears = linearLayers(config);
        String head = names.lmHead();
        try (TensorStore store = TensorStore.open(src)) {
            boolean separateHead = options.quantizeLmHead()
                    && (config.tieWordEmbeddings() || !store.has(head + ".weight"));
            if (options.quantizeLmHead() && !separateHead) {
                linears.add(head);
            }
            Set<String> all = new LinkedHashSet<>(linears);
            if (separateHead) {
                all.add(names.embedding());
            }
            if (options.format() == ModelFormat.AWQ) {
                checkGroupSize(store, all, options.groupSize());
            } else {
                checkInt8Inputs(store, all);
            }
            SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
            int quantized = 0;
            for (TensorInfo t : store.tensors().values()) {
                String base = t.name().endsWith(".weight") ? t.name().substring(0, t.name().length() - ".weight".length()) : null;
                if (base != null && linears.contains(base)) {
                    addQuantized(writer, base, t, options);
                    quantized++;
                } else {
                    CheckpointWriter.copy(writer, t);
                }
            }
            if (separateHead) {
                addQuantized(writer, head, store.get(names.embedding() + ".weight"), options);
                quantized++;
            }
            CheckpointWriter.copyOtherFiles(src, dst);
            writer.write(dst.resolve("model.safetensors"));
            int bits = options.format() == ModelFormat.AWQ ? 4 : 8;
            var node = CheckpointWriter.quantizationNode(options.format(), bits,
                    options.format() == ModelFormat.AWQ ? options.groupSize() : -1);
            if (options.format() == ModelFormat.AWQ) {
                node.put("version", "gemm");
                node.put("zero_point", true);
                node.putNull("modules_to_not_convert");
            }
            CheckpointWriter.writeConfig(src, dst, node, separateHead ? Boolean.FALSE : null, 1);
            return new Summary(quantized, java.nio.file.Files.size(dst.resolve("model.safetensors")));
        }
    }

    /** The base names of every linear layer of the decoder blocks. */
    static Set<String> linearLayers(ModelConfig config) {
        Set<String> out = new LinkedHashSet<>();
        TensorParallel.linears(config).forEach(l -> out.add(l.base()));
        return out;
    }

    /** Refuses, before anything is written, a layer whose input the int8 kernel cannot run (loading would). */
    private static void checkInt8Inputs(TensorStore store, Set<String> all) {
        for (String base : all) {
            int in = store.get(base + ".weight").dim(1);
            if (in % Int8ChannelWeight.COLUMN_MULTIPLE != 0) {
                throw new IllegalArgumentException("--w-bits 8: " + base + " has " + in + " inputs; the int8 kernel needs"
                        + " every quantized layer's input size to be a multiple of " + Int8ChannelWeight.COLUMN_MULTIPLE
                        + ", so this model cannot be quantized to int8");
            }
        }
    }

    private static void checkGroupSize(TensorStore store, Set<String> all, int groupSize) {
        List<Integer> inputs = all.stream().map(base -> store.get(base + ".weight").dim(1)).toList();
        for (String base : all) {
            int in = store.get(base + ".weight").dim(1);
            if (!Int4GroupWeight.supportsShape(in, groupSize)) {
                List<Integer> working = Int4GroupWeight.groupSizesFor(inputs);
                throw new IllegalArgumentException("--w-group-size " + groupSize + " does not fit " + base + " (" + in
                        + " inputs): the int4 kernel runs groups that are multiples of "
                        + Int4GroupWeight.CHUNK + " dividing every quantized layer's input; here "
                        + (working.isEmpty() ? "none" : working.stream().map(String::valueOf).collect(Collectors.joining(", "))));
            }
        }
    }

    private static void addQuantized(SafetensorsWriter writer, String base, TensorInfo t, Options options) {
        int rows = t.dim(0);
        int cols = t.dim(1);
        DenseWeight dense = DenseWeight.of(t.data(), t.dtype(), rows, cols);
        if (options.format() == ModelFormat.AWQ) {
            CheckpointWriter.addAwq(writer, base,
                    new CheckpointWriter.Once<>(() -> AwqGemmPacker.pack(Int4RtnQuantizer.quantize(dense, options.groupSize()))),
                    rows, cols, options.groupSize());
        } else {
            CheckpointWriter.addInt8(writer, base, new CheckpointWriter.Once<>(() -> Int8ChannelQuantizer.quantize(dense)), rows, cols);
        }
    }
}
