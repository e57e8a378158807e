package dev.turbo4j.core.quant;

import dev.turbo4j.core.kernel.Int4GroupWeight;
import dev.turbo4j.core.model.Model;
import dev.turbo4j.core.model.LoadOptions;
import dev.turbo4j.core.model.ModelConfig;
import dev.turbo4j.core.model.ModelLoadException;
import dev.turbo4j.core.model.TensorParallel;
import dev.turbo4j.core.safetensors.SafetensorsWriter;
import dev.turbo4j.core.safetensors.TensorInfo;
import dev.turbo4j.core.safetensors.TensorStore;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Writes a model folder in the engine's prepared layout, so that loading it is a pure
 * memory map: AWQ and GPTQ layers become {@link ModelFormat#TURBO4J_INT4} tensors (the
 * {@link Int4GroupWeight} layout, bit for bit what loading the source repacks to); dense and
 * turbo4j-int8 tensors are already in the kernels' layout and are copied. Loading the result
 * gives the same outputs as loading the source.
 *
 * <p>The turbo4j-int4 tensors per layer: {@code <name>.qweight} U8 [out, in/2] (nibble-128
 * chunks, 4-row tiles in four planes), {@code <name>.scales} F16 [out, in/G], {@code <name>.qzeros}
 * U8 [out, in/G], out rounded up to whole tiles (see {@link Int4GroupWeight}); the
 * quantization_config's "version" is the layout's version.
 *
 * <p>With tp &gt; 1 the decoder linears are written as tp shards each (see
 * {@link TensorParallel}: q/k/v/gate/up split by output rows, o/down by input columns) in the
 * same formats, and config.json records {@code "turbo4j": {"tp": N}}; the engine loads the
 * shards as they are, and the outputs equal the unsplit model's up to float rounding.
 */
public final class ModelConverter {
    private ModelConverter() {
    }

    /**
     * What was written.
     *
     * @param tp             ranks the decoder linears were split over (1: unsplit)
     * @param layersRepacked layers written in a newly repacked int4 layout (whole or as shards)
     * @param layersSplit    layers written as tp shards
     */
    public record Summary(ModelFormat from, ModelFormat to, int tp, int layersRepacked, int layersSplit,
                          long bytesWritten) {
    }

    /** Converts src (format detected, or {@code override} when not null) into dst, unsplit. */
    public static Summary convert(Path src, Path dst, ModelFormat override) throws IOException {
        return convert(src, dst, override, 1);
    }

    /**
     * Converts src (format detected, or {@code override} when not null) into dst, its decoder
     * linears split over tp ranks when tp &gt; 1. Checks everything (tp divides the heads and
     * the MLP, each shard holds whole int4 groups) before writing.
     */
    public static Summary convert(Path src, Path dst, ModelFormat override, int tp) throws IOException {
        CheckpointWriter.requireOtherFolder(src, dst);
        QuantizationConfig quant = QuantizationConfig.read(src, override);
        ModelConfig config = ModelConfig.load(src);
        TensorParallel.requireUnsplit(config, src);
        // A broken source (or a dense one read as awq/gptq) is refused, not copied.
        Model.check(src, LoadOptions.DEFAULT.withModelFormat(override));
        TensorParallel.checkDivides(config, tp, src);
        boolean repack = quant.format() == ModelFormat.AWQ || quant.format() == ModelFormat.GPTQ;
        int groupSize = -1;
        int repacked = 0;
        try (TensorStore store = TensorStore.open(src)) {
            ShardWriter shards = new ShardWriter(store, quant, tp);
            Map<String, TensorParallel.Linear> split = new LinkedHashMap<>();
            if (tp > 1) {
                for (TensorParallel.Linear l : TensorParallel.linears(config)) {
                    shards.checkSplittable(l);
                    split.put(l.base(), l);
                }
            }
            LinearLoader.DenseLoader notQuantized = (base, rows, cols) -> {
                throw new ModelLoadException(src + ": " + base + " is not quantized");
            };
            LinearLoader loader = new LinearLoader(store, quant, Arena.ofAuto(), notQuantized);
            Set<String> quantized = new LinkedHashSet<>();
            if (repack) {
                for (String name : store.tensors().keySet()) {
                    if (name.endsWith(".qweight") && loader.isQuantized(base(name))) {
                        quantized.add(base(name));
                    }
                }
            }
            SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
            for (TensorInfo t : store.tensors().values()) {
                String base = base(t.name());
                // A repacked or split layer keeps its bias (Qwen2's q/k/v) as it is: the shards'
                // outputs, stacked or summed, are the whole layer's, to which the bias is added.
                boolean bias = t.name().endsWith(".bias");
                if (split.containsKey(base) && !bias) {
                    continue; // written as shards below
                }
                if (!quantized.contains(base) || bias) {
                    CheckpointWriter.copy(writer, t);
                } else if (t.name().endsWith(".qweight")) {
                    int[] shape = loader.quantizedShape(base);
                    groupSize = loader.inputGranularity(base, shape[0], shape[1]);
                    // Repacked when written, in an automatic arena: freed once written and dropped.
                    CheckpointWriter.Once<Int4GroupWeight> weight = new CheckpointWriter.Once<>(() ->
                            (Int4GroupWeight) new LinearLoader(store, quant, Arena.ofAuto(), notQuantized).loadQuantized(base));
                    CheckpointWriter.addInt4(writer, base, weight, shape[0], shape[1], groupSize);
                    repacked++;
                }
                // The source's other tensors of a repacked layer (qzeros, scales, g_idx) are replaced.
            }
            for (TensorParallel.Linear l : split.values()) {
                if (repack && shards.isInt4(l)) {
                    groupSize = shards.groupSize(l);
                    repacked++;
                }
                shards.add(writer, l);
            }
            CheckpointWriter.copyOtherFiles(src, dst);
            writer.write(dst.resolve("model.safetensors"));
            ModelFormat to = repack ? ModelFormat.TURBO4J_INT4 : quant.format();
            var node = to == ModelFormat.HF ? null
                    : CheckpointWriter.quantizationNode(to, quant.bits(), repack ? groupSize : quant.groupSize());
            if (node != null && !quant.modulesToNotConvert().isEmpty()) {
                var list = node.putArray("modules_to_not_convert");
                quant.modulesToNotConvert().forEach(list::add);
            }
            CheckpointWriter.writeConfig(src, dst, node, null, tp);
            return new Summary(quant.format(), to, tp, repacked, split.size(), Files.size(dst.resolve("model.safetensors")));
        }
    }

    private static String base(String tensorName) {
        int dot = tensorName.lastIndexOf('.');
        return dot < 0 ? tensorName : tensorName.substring(0, dot);
    }
}
