package dev.turbo4j.core.transformer;

import dev.turbo4j.core.kvcache.KvCache;
import dev.turbo4j.core.kvcache.KvCacheSpec;
import dev.turbo4j.core.kvcache.KvFormat;
import dev.turbo4j.core.kvcache.PagedKvCache;
import dev.turbo4j.core.model.Model;
import dev.turbo4j.core.model.ModelConfig;
import dev.turbo4j.core.model.ModelShape;
import dev.turbo4j.core.model.RandomModelWriter;
import dev.turbo4j.core.parallel.WorkerPool;
import dev.turbo4j.core.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Split-k decoding gives the same attention as one pass over the whole context. */
class SplitKAttentionTest {

    @Test
    void mergingRangePartsEqualsOnePass() {
        KvCacheSpec spec = new KvCacheSpec(1, 1, 32, 16, 20, KvFormat.F32);
        Random rnd = new Random(3);
        try (KvCache cache = PagedKvCache.create(spec)) {
            float[] k = new float[32];
            float[] v = new float[32];
            int[] table = new int[20];
            for (int b = 0; b < 20; b++) {
                table[b] = 19 - b;
                for (int s = 0; s < 16; s++) {
                    for (int d = 0; d < 32; d++) {
                        k[d] = (float) rnd.nextGaussian() * 3;
                        v[d] = (float) rnd.nextGaussian();
                    }
                    cache.write(0, table[b], s, 0, k, 0, v, 0);
                }
            }
            float[] q = new float[32];
            for (int d = 0; d < 32; d++) {
                q[d] = (float) rnd.nextGaussian();
            }
            int length = 301;
            float[] whole = new float[32];
            new Attention(16, 32, 1).attend(cache, 0, table, length, 0, 1, q, 0, 0.2f, whole, 0);
            float[] maxes = new float[4];
            float[] sums = new float[4];
            float[][] accs = new float[4][];
            int[] from = {0, 64, 160, 288};
            int[] to = {64, 160, 288, length};
            for (int p = 0; p < 4; p++) {
                Attention a = new Attention(16, 32, 1);
                a.attendRange(cache, 0, table, from[p], to[p], 0, 1, q, 0, 0.2f);
                maxes[p] = a.max(0);
                sums[p] = a.sum(0);
                accs[p] = a.accumulator().clone();
            }
            float[] merged = new float[33];
            Attention.merge(maxes, sums, accs, 0, 32, 4, merged, 1);
            for (int d = 0; d < 32; d++) {
                assertThat(merged[1 + d]).isCloseTo(whole[d], within(1e-5f));
            }
        }
    }

    @Test
    void longContextDecodeWithSplitKMatchesSingleThreadedDecode(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("m");
        RandomModelWriter.write(ModelShape.named("tiny-llama"), DType.F32, 8, dir);
        int[] prompt = new Random(5).ints(400, 3, 2000).toArray();
        float[] single;
        float[] split;
        try (Model m = Model.load(dir)) {
            single = lastDecodeLogits(m, new WorkerPool(1), prompt);
            // 2 kv heads × 1 token < 2 × 4 threads, context ≥ 256: the split-k path
            split = lastDecodeLogits(m, new WorkerPool(4), prompt);
        }
        assertThat(prompt.length).isGreaterThan(Transformer.SPLIT_K_MIN_CONTEXT);
        for (int i = 0; i < single.length; i++) {
            assertThat(split[i]).isCloseTo(single[i], within(1e-4f));
        }
    }

    private static float[] lastDecodeLogits(Model m, WorkerPool pool, int[] prompt) {
        try (pool) {
            ModelConfig c = m.config();
            Transformer tf = new Transformer(c, m.weights(), pool);
            try (KvCache cache = PagedKvCache.create(new KvCacheSpec(c.numLayers(), c.numKvHeads(), c.headDim(), 16, 32, KvFormat.F32))) {
                int[] table = new int[32];
                Arrays.setAll(table, i -> i);
                tf.forward(List.of(new SequenceChunk(prompt, 0, table, LogitsMode.NONE)), cache);
                return tf.forward(List.of(new SequenceChunk(new int[] {42}, prompt.length, table, LogitsMode.LAST)), cache).row(0);
            }
        }
    }
}
