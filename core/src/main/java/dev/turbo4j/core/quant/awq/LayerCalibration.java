package dev.turbo4j.core.quant.awq;

import dev.turbo4j.core.model.ModelConfig;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the calibration sequences through one float layer, batch by batch, as LMDeploy's
 * calibration does: every linear group's input is observed ({@link ChannelStats}) and, when
 * searching, α is searched on each batch right after its forward and averaged over batches.
 * The hidden states are advanced in place with the float layer's output, so the next layer
 * is calibrated on the unquantized model's activations.
 */
public final class LayerCalibration {
    private final ModelConfig config;
    private final LayerForward forward;
    private final ScaleSearch search;

    /** {@code search} is null when α is fixed. */
    public LayerCalibration(ModelConfig config, LayerForward forward, ScaleSearch search) {
        this.config = config;
        this.forward = forward;
        this.search = search;
    }

    /**
     * What one layer's calibration found.
     *
     * @param stats  activation statistics of each applicable group's input
     * @param alphas the searched α of each applicable group (batch average); empty without search
     */
    public record Result(Map<ScaleGroup, ChannelStats> stats, Map<ScaleGroup, Double> alphas) {
    }

    /**
     * Calibrates {@code layer} on {@code hidden} (one [length × hidden] array per sequence,
     * overwritten with the layer's output); {@code afterBatch} runs after each batch.
     */
    public Result run(FloatLayer layer, float[][] hidden, int batchSize, Runnable afterBatch) {
        List<ScaleGroup> groups = Arrays.stream(ScaleGroup.values()).filter(g -> g.appliesTo(config)).toList();
        Map<ScaleGroup, ChannelStats> stats = new EnumMap<>(ScaleGroup.class);
        Map<ScaleGroup, Double> alphaSums = new EnumMap<>(ScaleGroup.class);
        for (ScaleGroup g : groups) {
            stats.put(g, new ChannelStats(g.following(layer).cols()));
        }
        int dim = config.hiddenSize();
        int length = hidden[0].length / dim;
        int batches = 0;
        try (Arena arena = Arena.ofShared()) {
            FloatLayer.Linears linears = layer.linears(arena);
            for (int first = 0; first < hidden.length; first += batchSize) {
                int sequences = Math.min(batchSize, hidden.length - first);
                float[] x = new float[sequences * length * dim];
                for (int s = 0; s < sequences; s++) {
                    System.arraycopy(hidden[first + s], 0, x, s * length * dim, length * dim);
                }
                LayerTrace trace = forward.run(layer, linears, x, sequences, length);
                for (ScaleGroup g : groups) {
                    stats.get(g).observe(trace.inputOf(g), trace.tokens());
                    if (search != null) {
                        alphaSums.merge(g, search.bestAlpha(g, layer, trace, sequences, length), Double::sum);
                    }
                }
                for (int s = 0; s < sequences; s++) {
                    System.arraycopy(x, s * length * dim, hidden[first + s], 0, length * dim);
                }
                batches++;
                afterBatch.run();
            }
        }
        Map<ScaleGroup, Double> alphas = new EnumMap<>(ScaleGroup.class);
        int n = batches;
        alphaSums.forEach((g, sum) -> alphas.put(g, sum / n));
        return new Result(stats, alphas);
    }
}
