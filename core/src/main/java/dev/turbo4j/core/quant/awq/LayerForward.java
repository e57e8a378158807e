package dev.turbo4j.core.quant.awq;

import dev.turbo4j.core.kernel.LinearWeight;
import dev.turbo4j.core.kernel.MatMul;
import dev.turbo4j.core.kernel.VectorOps;
import dev.turbo4j.core.model.ModelConfig;
import dev.turbo4j.core.parallel.WorkerPool;
import dev.turbo4j.core.transformer.QkvLayout;
import dev.turbo4j.core.transformer.Rope;

import java.util.Arrays;

/**
 * One decoder layer's forward pass over a calibration batch: {@code sequences} independent
 * sequences of {@code length} tokens each, positions 0 .. length − 1, causal attention within
 * each. The same math as {@link dev.turbo4j.core.transformer.Transformer}, but over whole
 * sequences without a KV cache and one layer at a time, so that AWQ can record every linear
 * layer's input ({@link LayerTrace}) and replay single blocks with substituted weights.
 */
public final class LayerForward {
    private final ModelConfig config;
    private final WorkerPool pool;
    private final Rope rope;
    private final QkvLayout qkv;
    private final float attentionScale;

    public LayerForward(ModelConfig config, WorkerPool pool) {
        this.config = config;
        this.pool = pool;
        this.rope = new Rope(config);
        this.qkv = QkvLayout.of(config);
        this.attentionScale = (float) (1.0 / Math.sqrt(config.headDim()));
    }

    /**
     * Runs the layer on x [sequences · length × hidden] in place (x becomes the layer's
     * output) and returns the inputs each linear group saw.
     */
    public LayerTrace run(FloatLayer layer, FloatLayer.Linears linears, float[] x, int sequences, int length) {
        int tokens = sequences * length;
        int dim = config.hiddenSize();
        float[] h = rmsNorm(x, layer.attentionNorm(), tokens);
        float[] heads = attentionHeads(linears.qkv(), layer.qkvBias(), h, sequences, length);
        float[] attnOut = linear(linears.o(), layer.oBias(), heads, tokens);
        VectorOps.add(attnOut, 0, x, 0, tokens * dim);
        float[] h2 = rmsNorm(x, layer.mlpNorm(), tokens);
        float[] act = gatedActivation(linears.gateUp(), h2, tokens);
        float[] mlpOut = linear(linears.down(), null, act, tokens);
        VectorOps.add(mlpOut, 0, x, 0, tokens * dim);
        return new LayerTrace(tokens, h, heads, h2, act);
    }

    /**
     * The output of the block a scale group's search measures, from the group's recorded input:
     * the attention block (q/k/v → heads → o) for {@link ScaleGroup#ATTENTION_INPUT}, the MLP
     * for {@link ScaleGroup#MLP_INPUT}, the single linear o or down for the other two.
     */
    public float[] blockOutput(ScaleGroup group, FloatLayer layer, FloatLayer.Linears linears, float[] input,
                               int sequences, int length) {
        int tokens = sequences * length;
        return switch (group) {
            case ATTENTION_INPUT -> linear(linears.o(), layer.oBias(),
                    attentionHeads(linears.qkv(), layer.qkvBias(), input, sequences, length), tokens);
            case MLP_INPUT -> linear(linears.down(), null, gatedActivation(linears.gateUp(), input, tokens), tokens);
            case ATTENTION_OUTPUT -> linear(linears.o(), layer.oBias(), input, tokens);
            case MLP_OUTPUT -> linear(linears.down(), null, input, tokens);
        };
    }

    private float[] rmsNorm(float[] x, float[] weight, int tokens) {
        int dim = config.hiddenSize();
        float eps = config.rmsNormEps();
        float[] out = new float[tokens * dim];
        pool.parallelFor(tokens, (s, e) -> {
            for (int t = s; t < e; t++) {
                VectorOps.rmsNorm(out, t * dim, x, t * dim, weight, eps, dim);
            }
        });
        return out;
    }

    private float[] linear(LinearWeight w, float[] bias, float[] x, int tokens) {
        int out = w.outFeatures();
        float[] y = new float[tokens * out];
        MatMul.multiply(pool, w, x, tokens, y);
        if (bias != null) {
            for (int t = 0; t < tokens; t++) {
                VectorOps.add(bias, 0, y, t * out, out);
            }
        }
        return y;
    }

    /** silu(h Wgate) · (h Wup), [tokens × intermediate]. */
    private float[] gatedActivation(LinearWeight gateUp, float[] h, int tokens) {
        int inter = config.intermediateSize();
        float[] gu = linear(gateUp, null, h, tokens);
        float[] act = new float[tokens * inter];
        pool.parallelFor(tokens, (s, e) -> {
            for (int t = s; t < e; t++) {
                VectorOps.siluMul(gu, t * 2 * inter, gu, t * 2 * inter + inter, inter);
                System.arraycopy(gu, t * 2 * inter, act, t * inter, inter);
            }
        });
        return act;
    }

    /** q/k/v projection, RoPE and causal attention: the heads' output [tokens × qDim], o's input. */
    private float[] attentionHeads(LinearWeight qkvWeight, float[] qkvBias, float[] h, int sequences, int length) {
        int tokens = sequences * length;
        int width = qkv.width();
        float[] proj = linear(qkvWeight, qkvBias, h, tokens);
        int half = config.headDim() / 2;
        pool.parallelFor(tokens, (s, e) -> {
            float[] cos = new float[half];
            float[] sin = new float[half];
            for (int t = s; t < e; t++) {
                rope.angles(t % length, cos, sin);
                for (int head = 0; head < config.numHeads(); head++) {
                    rope.rotate(proj, t * width + qkv.q(head), cos, sin);
                }
                for (int g = 0; g < config.numKvHeads(); g++) {
                    rope.rotate(proj, t * width + qkv.k(g), cos, sin);
                }
            }
        });
        int heads = config.numHeads();
        int headDim = config.headDim();
        int qDim = config.qDim();
        int group = config.headsPerKvHead();
        float[] out = new float[tokens * qDim];
        pool.parallelFor(sequences * heads, (s, e) -> {
            // Keys and values of one head transposed to [headDim × length], so that each query's
            // scores and weighted sum run as long vector loops over positions rather than one
            // short headDim-long dot product per position.
            float[] keys = new float[headDim * length];
            float[] values = new float[headDim * length];
            float[] scores = new float[length];
            for (int i = s; i < e; i++) {
                int seq = i / heads;
                int head = i % heads;
                int kvHead = head / group;
                int first = seq * length;
                for (int j = 0; j < length; j++) {
                    int row = (first + j) * width;
                    for (int d = 0; d < headDim; d++) {
                        keys[d * length + j] = proj[row + qkv.k(kvHead) + d];
                        values[d * length + j] = proj[row + qkv.v(kvHead) + d];
                    }
                }
                for (int t = 0; t < length; t++) {
                    int qOff = (first + t) * width + qkv.q(head);
                    int count = t + 1;
                    Arrays.fill(scores, 0, count, 0f);
                    for (int d = 0; d < headDim; d++) {
                        VectorOps.axpy(proj[qOff + d] * attentionScale, keys, d * length, scores, 0, count);
                    }
                    float max = VectorOps.max(scores, 0, count);
                    float sum = 0f;
                    for (int j = 0; j < count; j++) {
                        scores[j] = (float) Math.exp(scores[j] - max);
                        sum += scores[j];
                    }
                    float inv = 1f / sum;
                    int outOff = (first + t) * qDim + head * headDim;
                    for (int d = 0; d < headDim; d++) {
                        out[outOff + d] = inv * VectorOps.dot(scores, 0, values, d * length, count);
                    }
                }
            }
        });
        return out;
    }
}
