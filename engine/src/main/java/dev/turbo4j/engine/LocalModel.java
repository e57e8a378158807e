package dev.turbo4j.engine;

import dev.turbo4j.core.model.LoadOptions;
import dev.turbo4j.core.model.Model;
import dev.turbo4j.core.model.ModelLoadException;
import dev.turbo4j.core.parallel.WorkerPool;
import dev.turbo4j.core.sampling.GenerationConfig;
import dev.turbo4j.core.tokenizer.Tokenizer;
import dev.turbo4j.core.tokenizer.TokenizerLoader;
import dev.turbo4j.core.transformer.Transformer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * A model folder opened for generation: weights, tokenizer, the generation defaults of
 * generation_config.json, and the forward pass on a worker pool.
 */
public final class LocalModel implements AutoCloseable {
    private final Model model;
    private final Tokenizer tokenizer;
    private final GenerationConfig defaults;
    private final WorkerPool pool;
    private final Transformer transformer;

    private LocalModel(Model model, Tokenizer tokenizer, GenerationConfig defaults, WorkerPool pool) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.defaults = defaults;
        this.pool = pool;
        this.transformer = new Transformer(model.config(), model.weights(), pool);
    }

    /** Opens a folder with {@code threads} compute threads, detecting its weight format. */
    public static LocalModel open(Path dir, int threads) {
        return open(dir, threads, LoadOptions.DEFAULT);
    }

    /** Opens a folder with {@code threads} compute threads, loading it as {@code options} say. */
    public static LocalModel open(Path dir, int threads, LoadOptions options) {
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException(dir + ": model folder not found");
        }
        Tokenizer tokenizer = TokenizerLoader.load(dir);
        Model model = Model.load(dir, options);
        GenerationConfig defaults = GenerationConfig.forModel(dir);
        return new LocalModel(model, tokenizer, defaults, new WorkerPool(threads));
    }

    public Model model() {
        return model;
    }

    public Path dir() {
        return model.dir();
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public Transformer transformer() {
        return transformer;
    }

    /** generation_config.json over LMDeploy's defaults. */
    public GenerationConfig defaults() {
        return defaults;
    }

    /** Ids that end generation: config.json's and generation_config.json's EOS, else the tokenizer's. */
    public List<Integer> eosIds() {
        LinkedHashSet<Integer> ids = new LinkedHashSet<>(model.config().eosTokenIds());
        ids.addAll(defaults.stopTokenIds());
        if (ids.isEmpty() && tokenizer.eosId() >= 0) {
            ids.add(tokenizer.eosId());
        }
        return new ArrayList<>(ids);
    }

    @Override
    public void close() {
        pool.close();
        model.close();
    }
}
