package dev.turbo4j.core.transformer;

import dev.turbo4j.core.kernel.LinearWeight;
import dev.turbo4j.core.kernel.MatMul;
import dev.turbo4j.core.kernel.VectorOps;
import dev.turbo4j.core.kvcache.KvCache;
import dev.turbo4j.core.model.LayerWeights;
import dev.turbo4j.core.model.ModelConfig;
import dev.turbo4j.core.model.ModelWeights;
import dev.turbo4j.core.parallel.WorkerPool;

import java.util.List;

/**
 * The decoder-only transformer forward pass, shared by every family. One call runs one
 * step over a varlen batch: the tokens of all chunks are concatenated and every linear
 * layer runs as one matmul over all of them, so each weight is read once per step.
 *
 * <pre>
 * x = embed(tokens)
 * for each layer:
 *     h = rmsnorm(x) ; q,k,v = h Wqkv (+b) ; rope(q, k) ; cache ← k, v
 *     x += attention(q, cache) Wo (+b)
 *     h = rmsnorm(x) ; x += (silu(h Wgate) * h Wup) Wdown
 * logits = rmsnorm(x) Wlm   (only for the positions asked for)
 * </pre>
 *
 * Not thread-safe: one step at a time (the engine thread); the step itself fans out to the pool.
 */
public final class Transformer {
    private final ModelConfig config;
    private final ModelWeights weights;
    private final WorkerPool pool;
    private final Rope rope;
    private final QkvLayout qkv;
    private final Workspace ws = new Workspace();
    private final ThreadLocal<Attention> attentionScratch;
    private final float attentionScale;
    /** Contexts from this long use split-k attention when there are few (token, head) tasks. */
    static final int SPLIT_K_MIN_CONTEXT = 256;

    public Transformer(ModelConfig config, ModelWeights weights, WorkerPool pool) {
        this.config = config;
        this.weights = weights;
        this.pool = pool;
        this.rope = new Rope(config);
        this.qkv = QkvLayout.of(config);
        this.attentionScale = (float) (1.0 / Math.sqrt(config.headDim()));
        this.attentionScratch = ThreadLocal.withInitial(() -> new Attention(1, config.headDim(), config.headsPerKvHead()));
    }

    public ModelConfig config() {
        return config;
    }

    public WorkerPool pool() {
        return pool;
    }

    /** Runs one step; writes the chunks' K/V into {@code cache} and returns the logits asked for. */
    public Logits forward(List<SequenceChunk> chunks, KvCache cache) {
        int tokens = 0;
        int logitRows = 0;
        int[] rowStart = new int[chunks.size()];
        for (int c = 0; c < chunks.size(); c++) {
            SequenceChunk chunk = chunks.get(c);
            checkBlockTable(chunk, cache);
            tokens += chunk.tokens().length;
            rowStart[c] = logitRows;
            logitRows += chunk.logitRows();
        }
        int dim = config.hiddenSize();
        int inter = config.intermediateSize();
        ws.ensure(tokens, dim, qkv.width(), config.qDim(), inter);
        // Per-token bookkeeping: which chunk, which position.
        int[] chunkOf = new int[tokens];
        int[] positionOf = new int[tokens];
        int t0 = 0;
        for (int c = 0; c < chunks.size(); c++) {
            SequenceChunk chunk = chunks.get(c);
            for (int i = 0; i < chunk.tokens().length; i++) {
                chunkOf[t0 + i] = c;
                positionOf[t0 + i] = chunk.startPosition() + i;
                weights.embedding().readRow(checkToken(chunk.tokens()[i]), ws.x, (t0 + i) * dim);
            }
            t0 += chunk.tokens().length;
        }
        final int n = tokens;
        for (int layer = 0; layer < config.numLayers(); layer++) {
            LayerWeights lw = weights.layers().get(layer);
            rmsNormAll(ws.x, ws.h, lw.attentionNorm(), n, dim);
            MatMul.multiply(pool, lw.qkv(), ws.h, n, ws.qkv);
            writeKvAndRope(layer, lw, chunks, chunkOf, positionOf, n, cache);
            attention(layer, chunks, chunkOf, positionOf, n, cache);
            MatMul.multiply(pool, lw.o(), ws.att, n, ws.tmp);
            addResidual(ws.tmp, lw.oBias(), n, dim);
            rmsNormAll(ws.x, ws.h, lw.mlpNorm(), n, dim);
            MatMul.multiply(pool, lw.gateUp(), ws.h, n, ws.gateUp);
            pool.parallelFor(n, (s, e) -> {
                for (int t = s; t < e; t++) {
                    VectorOps.siluMul(ws.gateUp, t * 2 * inter, ws.gateUp, t * 2 * inter + inter, inter);
                    System.arraycopy(ws.gateUp, t * 2 * inter, ws.mlp, t * inter, inter);
                }
            });
            MatMul.multiply(pool, lw.down(), ws.mlp, n, ws.tmp);
            addResidual(ws.tmp, null, n, dim);
        }
        return logits(chunks, rowStart, logitRows, n, dim);
    }

    private Logits logits(List<SequenceChunk> chunks, int[] rowStart, int rows, int tokens, int dim) {
        int vocab = config.vocabSize();
        float[] out = new float[rows * vocab];
        if (rows == 0) {
            return new Logits(out, 0, vocab, rowStart);
        }
        float[] selected = new float[rows * dim];
        int row = 0;
        int t0 = 0;
        for (SequenceChunk chunk : chunks) {
            int len = chunk.tokens().length;
            int first = switch (chunk.logits()) {
                case NONE -> len;
                case LAST -> len - 1;
                case ALL -> 0;
            };
            for (int i = first; i < len; i++) {
                VectorOps.rmsNorm(selected, row * dim, ws.x, (t0 + i) * dim, weights.finalNorm(), config.rmsNormEps(), dim);
                row++;
            }
            t0 += len;
        }
        MatMul.multiply(pool, weights.lmHead(), selected, rows, out);
        return new Logits(out, rows, vocab, rowStart);
    }

    private void rmsNormAll(float[] in, float[] out, float[] weight, int tokens, int dim) {
        float eps = config.rmsNormEps();
        pool.parallelFor(tokens, (s, e) -> {
            for (int t = s; t < e; t++) {
                VectorOps.rmsNorm(out, t * dim, in, t * dim, weight, eps, dim);
            }
        });
    }

    /** x += delta (+ bias per token). */
    private void addResidual(float[] delta, float[] bias, int tokens, int dim) {
        pool.parallelFor(tokens, (s, e) -> {
            for (int t = s; t < e; t++) {
                if (bias != null) {
                    VectorOps.add(bias, 0, delta, t * dim, dim);
                }
                VectorOps.add(delta, t * dim, ws.x, t * dim, dim);
            }
        });
    }

    private void writeKvAndRope(int layer, LayerWeights lw, List<SequenceChunk> chunks, int[] chunkOf,
                                int[] positionOf, int tokens, KvCache cache) {
        int width = qkv.width();
        int half = config.headDim() / 2;
        int blockSize = cache.spec().blockSize();
        float[] bias = lw.qkvBias();
        pool.parallelFor(tokens, (s, e) -> {
            float[] cos = new float[half];
            float[] sin = new float[half];
            for (int t = s; t < e; t++) {
                int base = t * width;
                if (bias != null) {
                    VectorOps.add(bias, 0, ws.qkv, base, width);
                }
                int pos = positionOf[t];
                rope.angles(pos, cos, sin);
                for (int h = 0; h < config.numHeads(); h++) {
                    rope.rotate(ws.qkv, base + qkv.q(h), cos, sin);
                }
                int[] table = chunks.get(chunkOf[t]).blockTable();
                int block = table[pos / blockSize];
                for (int g = 0; g < config.numKvHeads(); g++) {
                    rope.rotate(ws.qkv, base + qkv.k(g), cos, sin);
                    cache.write(layer, block, pos % blockSize, g, ws.qkv, base + qkv.k(g), ws.qkv, base + qkv.v(g));
                }
            }
        });
    }

    private void attention(int layer, List<SequenceChunk> chunks, int[] chunkOf, int[] positionOf, int tokens,
                           KvCache cache) {
        int kvHeads = config.numKvHeads();
        int group = config.headsPerKvHead();
        int blockSize = cache.spec().blockSize();
        int longest = 0;
        for (int t = 0; t < tokens; t++) {
            longest = Math.max(longest, positionOf[t] + 1);
        }
        // Few (token, kv head) tasks but a long context: split each task's KV range instead.
        if (tokens * kvHeads < 2 * pool.threads() && longest >= SPLIT_K_MIN_CONTEXT) {
            splitKAttention(layer, chunks, chunkOf, positionOf, tokens, cache, blockSize);
            return;
        }
        // One task per (token, kv head): the group of query heads sharing it reads each key once.
        pool.parallelFor(tokens * kvHeads, (s, e) -> {
            Attention attn = scratch(blockSize);
            for (int i = s; i < e; i++) {
                int t = i / kvHeads;
                int kvHead = i % kvHeads;
                int h = kvHead * group;
                attn.attend(cache, layer, chunks.get(chunkOf[t]).blockTable(), positionOf[t] + 1, kvHead, group,
                        ws.qkv, t * qkv.width() + qkv.q(h), attentionScale, ws.att, t * config.qDim() + h * config.headDim());
            }
        });
    }

    /**
     * Split-k decoding: every (token, kv head) task's positions are cut into block-aligned
     * parts, one per worker; each worker computes its parts' partial softmax state for the
     * group's heads, then the parts are merged per head.
     */
    private void splitKAttention(int layer, List<SequenceChunk> chunks, int[] chunkOf, int[] positionOf, int tokens,
                                 KvCache cache, int blockSize) {
        int kvHeads = config.numKvHeads();
        int group = config.headsPerKvHead();
        int parts = pool.threads();
        int tasks = tokens * kvHeads;
        int headDim = config.headDim();
        // Per (task, part): the group's maxes and sums, and its accumulators.
        float[] maxes = new float[tasks * parts * group];
        float[] sums = new float[tasks * parts * group];
        float[][] accs = new float[tasks * parts][group * headDim];
        pool.parallelFor(tasks * parts, (s, e) -> {
            Attention attn = scratch(blockSize);
            for (int i = s; i < e; i++) {
                int task = i / parts;
                int part = i % parts;
                int t = task / kvHeads;
                int kvHead = task % kvHeads;
                int length = positionOf[t] + 1;
                int blocks = (length + blockSize - 1) / blockSize;
                int from = Math.min(length, (int) ((long) blocks * part / parts) * blockSize);
                int to = Math.min(length, (int) ((long) blocks * (part + 1) / parts) * blockSize);
                if (from >= to) {
                    java.util.Arrays.fill(sums, i * group, (i + 1) * group, 0f);
                    java.util.Arrays.fill(maxes, i * group, (i + 1) * group, Float.NEGATIVE_INFINITY);
                    continue;
                }
                attn.attendRange(cache, layer, chunks.get(chunkOf[t]).blockTable(), from, to, kvHead, group,
                        ws.qkv, t * qkv.width() + qkv.q(kvHead * group), attentionScale);
                for (int g = 0; g < group; g++) {
                    maxes[i * group + g] = attn.max(g);
                    sums[i * group + g] = attn.sum(g);
                }
                System.arraycopy(attn.accumulator(), 0, accs[i], 0, group * headDim);
            }
        });
        float[] headMaxes = new float[parts];
        float[] headSums = new float[parts];
        for (int task = 0; task < tasks; task++) {
            int t = task / kvHeads;
            int kvHead = task % kvHeads;
            float[][] taskAccs = java.util.Arrays.copyOfRange(accs, task * parts, (task + 1) * parts);
            for (int g = 0; g < group; g++) {
                for (int p = 0; p < parts; p++) {
                    headMaxes[p] = maxes[(task * parts + p) * group + g];
                    headSums[p] = sums[(task * parts + p) * group + g];
                }
                Attention.merge(headMaxes, headSums, taskAccs, g * headDim, headDim, parts, ws.att,
                        t * config.qDim() + (kvHead * group + g) * headDim);
            }
        }
    }

    private Attention scratch(int blockSize) {
        Attention attn = attentionScratch.get();
        if (!attn.fits(blockSize, config.headsPerKvHead())) {
            attn = new Attention(blockSize, config.headDim(), config.headsPerKvHead());
            attentionScratch.set(attn);
        }
        return attn;
    }

    private void checkBlockTable(SequenceChunk chunk, KvCache cache) {
        int blockSize = cache.spec().blockSize();
        int needed = (chunk.endPosition() + blockSize - 1) / blockSize;
        if (chunk.blockTable().length < needed) {
            throw new IllegalArgumentException("block table has " + chunk.blockTable().length + " blocks, "
                    + needed + " needed for " + chunk.endPosition() + " positions");
        }
    }

    private int checkToken(int id) {
        if (id < 0 || id >= config.vocabSize()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + config.vocabSize() + ")");
        }
        return id;
    }

    /** Activation buffers, grown to the largest step seen and reused. */
    private static final class Workspace {
        float[] x = new float[0];
        float[] h = new float[0];
        float[] qkv = new float[0];
        float[] att = new float[0];
        float[] tmp = new float[0];
        float[] gateUp = new float[0];
        float[] mlp = new float[0];
        private int capacity;

        void ensure(int tokens, int dim, int qkvWidth, int qDim, int inter) {
            if (tokens <= capacity) {
                return;
            }
            capacity = tokens;
            x = new float[tokens * dim];
            h = new float[tokens * dim];
            tmp = new float[tokens * dim];
            qkv = new float[tokens * qkvWidth];
            att = new float[tokens * qDim];
            gateUp = new float[tokens * 2 * inter];
            mlp = new float[tokens * inter];
        }
    }
}
