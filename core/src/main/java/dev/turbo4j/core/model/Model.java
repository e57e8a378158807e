package dev.turbo4j.core.model;

import dev.turbo4j.core.safetensors.TensorStore;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model folder loaded for inference: its config and its weights, memory-mapped. Close it
 * to unmap the files.
 */
public final class Model implements AutoCloseable {
    private final Path dir;
    private final ModelConfig config;
    private final TensorStore store;
    private final ModelWeights weights;

    private Model(Path dir, ModelConfig config, TensorStore store, ModelWeights weights) {
        this.dir = dir;
        this.config = config;
        this.store = store;
        this.weights = weights;
    }

    /** Loads a Hugging Face model folder (config.json + safetensors). */
    public static Model load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException(dir + ": not a folder (give the path of a Hugging Face model folder)");
        }
        ModelConfig config = ModelConfig.load(dir);
        TensorStore store = TensorStore.open(dir);
        try {
            ModelWeights weights = new WeightLoader(store, config).load();
            return new Model(dir, config, store, weights);
        } catch (RuntimeException e) {
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

    /** Bytes of the mapped weight files. */
    public long mappedBytes() {
        return store.mappedBytes();
    }

    @Override
    public void close() {
        store.close();
    }
}
