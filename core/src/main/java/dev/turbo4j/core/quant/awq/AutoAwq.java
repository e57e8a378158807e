package dev.turbo4j.core.quant.awq;

import dev.turbo4j.core.kernel.Int4GroupWeight;
import dev.turbo4j.core.kernel.LinearWeight;
import dev.turbo4j.core.kvcache.KvFormat;
import dev.turbo4j.core.model.Model;
import dev.turbo4j.core.model.ModelConfig;
import dev.turbo4j.core.model.ModelLoadException;
import dev.turbo4j.core.model.TensorParallel;
import dev.turbo4j.core.model.ModelWeights;
import dev.turbo4j.core.parallel.WorkerPool;
import dev.turbo4j.core.quant.CheckpointWriter;
import dev.turbo4j.core.quant.ModelFormat;
import dev.turbo4j.core.quant.QuantizationConfig;
import dev.turbo4j.core.tokenizer.Tokenizer;
import dev.turbo4j.core.tokenizer.TokenizerLoader;
import dev.turbo4j.core.transformer.Perplexity;
import dev.turbo4j.core.transformer.Transformer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * {@code turbo4j lite auto_awq}: activation-aware 4-bit weight quantization of a Hugging Face
 * model folder into an AutoAWQ gemm checkpoint, following LMDeploy's lite/apis/auto_awq.py.
 * <ol>
 * <li>Tokenize the calibration text into sequences ({@link CalibrationSet}).</li>
 * <li>Layer by layer, run the sequences through the float layer, recording each linear
 *     group's input statistics and, with {@link AwqOptions.ScaleMode#SEARCH}, searching α
 *     ({@link LayerCalibration}, {@link ScaleSearch}).</li>
 * <li>Fold the per-channel scales into the layer ({@link SmoothingScales}, {@link ScaleGroup})
 *     and quantize its linears ({@link GroupQuantizer}).</li>
 * <li>Write the checkpoint ({@link AwqCheckpointWriter}) and score the calibration text
 *     before and after.</li>
 * </ol>
 */
public final class AutoAwq {
    private final WorkerPool pool;
    private final AwqProgress progress;

    public AutoAwq(WorkerPool pool, AwqProgress progress) {
        this.pool = pool;
        this.progress = progress;
    }

    /** Quantizes {@code modelDir} into {@code workDir}. */
    public AwqReport run(Path modelDir, Path workDir, AwqOptions options) throws IOException {
        long start = System.nanoTime();
        CheckpointWriter.requireOtherFolder(modelDir, workDir);
        QuantizationConfig existing = QuantizationConfig.read(modelDir, null);
        if (existing.format() != ModelFormat.HF) {
            throw new ModelLoadException(modelDir + ": already quantized (" + existing.format().id()
                    + "); calibrate the dense model");
        }
        double pplBefore;
        CalibrationSet calibration;
        List<Map<ScaleGroup, Double>> alphas = new ArrayList<>();
        try (Model model = Model.load(modelDir)) {
            ModelConfig config = model.config();
            TensorParallel.requireUnsplit(config, modelDir);
            checkShapes(config, options.quantizer());
            Tokenizer tokenizer = TokenizerLoader.load(modelDir);
            int seqlen = options.calibSeqlen();
            if (seqlen > config.maxPositionEmbeddings()) {
                seqlen = config.maxPositionEmbeddings();
                progress.note("--calib-seqlen " + options.calibSeqlen() + " exceeds the model's context; using " + seqlen);
            }
            calibration = CalibrationSet.load(options.calibDataset(), tokenizer, options.calibSamples(), seqlen);
            if (calibration.count() < options.calibSamples()) {
                progress.note("the calibration text holds " + calibration.count() + " sequences of " + seqlen
                        + " tokens; using those (asked for " + options.calibSamples() + ")");
            }
            pplBefore = perplexity("perplexity before", new Transformer(config, model.weights(), pool), calibration);
            List<QuantizedLayer> layers = quantizeLayers(config, model.weights(), calibration, options, alphas);
            progress.stageStarted("writing", 1);
            new AwqCheckpointWriter(config, options).write(modelDir, workDir, model.weights(), layers);
            progress.stepDone(workDir.toString());
            progress.stageDone();
        }
        double pplAfter;
        // Evaluates what was written, read back through the dequantizing reader.
        try (DequantizedAwqModel written = DequantizedAwqModel.load(workDir)) {
            pplAfter = perplexity("perplexity after", new Transformer(written.config(), written.weights(), pool), calibration);
        }
        return new AwqReport(workDir, calibration.count(), calibration.length(), pplBefore, pplAfter, List.copyOf(alphas),
                (System.nanoTime() - start) / 1e9);
    }

    private List<QuantizedLayer> quantizeLayers(ModelConfig config, ModelWeights weights, CalibrationSet calibration,
                                                AwqOptions options, List<Map<ScaleGroup, Double>> alphas) {
        GroupQuantizer quantizer = options.quantizer();
        AwqOptions.ScaleMode mode = options.scaleMode();
        int layerCount = config.numLayers();
        int batches = (calibration.count() + options.batchSize() - 1) / options.batchSize();
        LayerForward forward = new LayerForward(config, pool);
        LayerCalibration calibrate = new LayerCalibration(config, forward,
                mode == AwqOptions.ScaleMode.SEARCH ? new ScaleSearch(forward, quantizer) : null);
        float[][] hidden = mode == AwqOptions.ScaleMode.NONE ? null : embed(weights.embedding(), calibration, config);
        List<QuantizedLayer> out = new ArrayList<>();
        progress.stageStarted(mode == AwqOptions.ScaleMode.NONE ? "quantizing" : "calibrating",
                layerCount * (mode == AwqOptions.ScaleMode.NONE ? 1 : batches));
        for (int i = 0; i < layerCount; i++) {
            String where = "layer " + (i + 1) + "/" + layerCount;
            FloatLayer layer = FloatLayer.copyOf(weights.layers().get(i));
            if (mode != AwqOptions.ScaleMode.NONE) {
                LayerCalibration.Result found = calibrate.run(layer, hidden, options.batchSize(), () -> progress.stepDone(where));
                alphas.add(foldScales(config, layer, found, mode, quantizer));
            } else {
                progress.stepDone(where);
            }
            out.add(QuantizedLayer.of(layer, quantizer));
        }
        progress.stageDone();
        return out;
    }

    /** Folds each group's scales into the layer, in LMDeploy's order (norms first); returns the α used. */
    private static Map<ScaleGroup, Double> foldScales(ModelConfig config, FloatLayer layer, LayerCalibration.Result found,
                                                      AwqOptions.ScaleMode mode, GroupQuantizer quantizer) {
        Map<ScaleGroup, Double> used = new EnumMap<>(ScaleGroup.class);
        for (Map.Entry<ScaleGroup, ChannelStats> e : found.stats().entrySet()) {
            ScaleGroup group = e.getKey();
            // As LMDeploy: the searched α goes with mean |x| (what the search used), α = 0.5 with max |x|.
            boolean searched = mode == AwqOptions.ScaleMode.SEARCH;
            double alpha = searched ? found.alphas().get(group) : 0.5;
            float[] activation = searched ? e.getValue().absMean() : e.getValue().absMax();
            FloatMatrix following = group.following(layer);
            float[] salience = SmoothingScales.weightSalience(following, quantizer.groupSizeFor(following.cols()));
            group.fold(layer, SmoothingScales.compute(activation, salience, alpha, group.fixedChannels(layer)), config);
            used.put(group, alpha);
        }
        return used;
    }

    private static float[][] embed(LinearWeight embedding, CalibrationSet calibration, ModelConfig config) {
        int dim = config.hiddenSize();
        float[][] hidden = new float[calibration.count()][calibration.length() * dim];
        for (int s = 0; s < hidden.length; s++) {
            int[] ids = calibration.samples()[s];
            for (int t = 0; t < ids.length; t++) {
                embedding.readRow(ids[t], hidden[s], t * dim);
            }
        }
        return hidden;
    }

    private double perplexity(String stage, Transformer model, CalibrationSet calibration) {
        progress.stageStarted(stage, 1);
        int window = calibration.bosId() >= 0 ? calibration.length() - 1 : calibration.length();
        double ppl = Perplexity.compute(model, calibration.textTokens(), window, calibration.bosId(), KvFormat.F32).ppl();
        progress.stepDone(String.format(Locale.ROOT, "%.4f", ppl));
        progress.stageDone();
        return ppl;
    }

    /**
     * Every quantized linear must have an input size the group size divides (AutoAWQ's
     * layout) and an output size that is a multiple of 8 (eight nibbles per int32).
     */
    static void checkShapes(ModelConfig config, GroupQuantizer quantizer) {
        CheckpointLayout layout = new CheckpointLayout(config);
        List<String> badGroups = new ArrayList<>();
        TreeSet<Integer> inputSizes = new TreeSet<>();
        for (int i = 0; i < config.numLayers(); i++) {
            for (CheckpointLayout.Part p : layout.all(i)) {
                inputSizes.add(p.inFeatures());
                if (!Int4GroupWeight.supportsShape(p.inFeatures(), quantizer.groupSizeFor(p.inFeatures()))) {
                    badGroups.add(p.name() + " (input size " + p.inFeatures() + ")");
                }
                if (p.outFeatures() % 8 != 0) {
                    throw new IllegalArgumentException(p.name() + " has " + p.outFeatures()
                            + " outputs; AutoAWQ gemm packing needs a multiple of 8");
                }
            }
        }
        if (!badGroups.isEmpty()) {
            List<Integer> working = Int4GroupWeight.groupSizesFor(inputSizes);
            throw new IllegalArgumentException("--w-group-size " + quantizer.groupSize() + " does not fit "
                    + badGroups.get(0) + (badGroups.size() > 1 ? " and " + (badGroups.size() - 1) + " more linears" : "")
                    + ": the int4 kernel runs groups that are multiples of " + Int4GroupWeight.CHUNK
                    + " dividing every quantized layer's input; here " + (working.isEmpty() ? "none"
                    : working.stream().map(String::valueOf).collect(Collectors.joining(", ")))
                    + (inputSizes.stream().allMatch(n -> n % Int4GroupWeight.CHUNK == 0) ? ", or -1 for one group per channel" : ""));
        }
    }

}
