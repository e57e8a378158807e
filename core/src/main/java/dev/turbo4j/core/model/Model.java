package dev.turbo4j.core.model;

import dev.turbo4j.core.quant.QuantizationConfig;
import dev.turbo4j.core.safetensors.TensorStore;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;

/**
 * A model folder loaded for inference: its config and its weights, memory-mapped (and, for
 * AWQ/GPTQ checkpoints, repacked once into off-heap memory the model owns). Close it to
 * unmap the files and free the repacked weights.
 */
public final class Model implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Model.class.getName());
    private final Path dir;
    private final ModelConfig config;
    private final QuantizationConfig quantization;
    private final TensorStore store;
    private final Arena repacked;
    private final long repackedBytes;
    private final long copiedBytes;
    private final ModelWeights weights;

    private Model(Path dir, ModelConfig config, QuantizationConfig quantization, TensorStore store, Arena repacked,
                  long repackedBytes, long copiedBytes, ModelWeights weights) {
        this.dir = dir;
        this.config = config;
        this.quantization = quantization;
        this.store = store;
        this.repacked = repacked;
        this.repackedBytes = repackedBytes;
        this.copiedBytes = copiedBytes;
        this.weights = weights;
    }

    /** Loads a Hugging Face model folder (config.json + safetensors), detecting its format. */
    public static Model load(Path dir) {
        return load(dir, LoadOptions.DEFAULT);
    }

    /** As transformers warns "Some weights of the model checkpoint were not used". */
    private static void warnIfUnused(Path dir, ModelConfig config, List<String> unused) {
        if (!unused.isEmpty()) {
            LOG.warning(dir + ": " + unused.size() + " tensors of the weights are not used by "
                    + config.architecture().hfName() + " as config.json describes it (" + String.join(", ",
                    unused.subList(0, Math.min(4, unused.size()))) + (unused.size() > 4 ? ", ..." : "")
                    + "); if they matter, config.json may name the wrong architecture or layer count");
        }
    }

    /**
     * Checks a folder as loading it would (config, every tensor's presence, dtype and shape,
     * quantized layouts), without keeping or copying the weights: what {@code convert} and
     * {@code lite quantize} run before they write anything.
     *
     * @throws ModelLoadException naming the file and the problem
     */
    public static void check(Path dir, LoadOptions options) {
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException(dir + ": not a folder (give the path of a Hugging Face model folder)");
        }
        ModelConfig config = ModelConfig.load(dir);
        QuantizationConfig quantization = QuantizationConfig.read(dir, options.modelFormat());
        try (TensorStore store = TensorStore.open(dir); Arena scratch = Arena.ofConfined()) {
            WeightLoader loader = new WeightLoader(store, config, quantization, scratch, true);
            loader.load();
            warnIfUnused(dir, config, loader.unusedTensors());
        }
    }

    /** Loads a model folder as {@code options} say. */
    public static Model load(Path dir, LoadOptions options) {
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException(dir + ": not a folder (give the path of a Hugging Face model folder)");
        }
        ModelConfig config = ModelConfig.load(dir);
        TensorParallel.checkRequested(options.tp(), config, dir);
        QuantizationConfig quantization = QuantizationConfig.read(dir, options.modelFormat());
        TensorStore store = TensorStore.open(dir);
        Arena repacked = Arena.ofShared();
        try {
            WeightLoader loader = new WeightLoader(store, config, quantization, repacked);
            ModelWeights weights = loader.load();
            warnIfUnused(dir, config, loader.unusedTensors());
            return new Model(dir, config, quantization, store, repacked, loader.repackedBytes(), loader.copiedBytes(),
                    weights);
        } catch (RuntimeException e) {
            repacked.close();
            store.close();
            throw e;
        }
    }

    public Path dir() {
        return dir;
    }

    public ModelConfig config() {
        return config;
    }

    public ModelWeights weights() {
        return weights;
    }

    /** How the folder stores its linear weights. */
    public QuantizationConfig quantization() {
        return quantization;
    }

    /** Bytes of the mapped weight files. */
    public long mappedBytes() {
        return store.mappedBytes();
    }

    /** Bytes of weights repacked at load: resident off-heap memory beside the map (0 for a converted folder). */
    public long repackedBytes() {
        return repackedBytes;
    }

    /**
     * Bytes of weights copied as they are from the map into resident off-heap memory at load
     * (on huge pages where Linux offers them): the linear layers of dense and int8 folders, which
     * decode streams whole every step. 0 with {@code -Dturbo4j.weights.mapped=true}.
     */
    public long copiedBytes() {
        return copiedBytes;
    }

    @Override
    public synchronized void close() {
        if (repacked.scope().isAlive()) {
            repacked.close();
        }
        store.close();
    }
}
