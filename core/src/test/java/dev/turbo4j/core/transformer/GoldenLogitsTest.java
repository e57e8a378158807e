package dev.turbo4j.core.transformer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turbo4j.core.kvcache.KvCache;
import dev.turbo4j.core.kvcache.KvCacheSpec;
import dev.turbo4j.core.kvcache.KvFormat;
import dev.turbo4j.core.kvcache.PagedKvCache;
import dev.turbo4j.core.model.Model;
import dev.turbo4j.core.model.ModelConfig;
import dev.turbo4j.core.parallel.WorkerPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The forward pass against an independent float32 PyTorch reference (cross-checked with
 * llama.cpp): top-1 at every position, logits within 1e-3 of their range, and greedy
 * KV-cache decoding token for token.
 */
class GoldenLogitsTest {
    private static WorkerPool pool;

    @BeforeAll
    static void start() {
        pool = new WorkerPool(2);
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    static Stream<Arguments> prompts() {
        List<Arguments> out = new ArrayList<>();
        for (var m : List.of(new Object[] {TestModels.KJV, "kjv-llama-tiny"},
                new Object[] {TestModels.QWEN2, "random-qwen2-tiny"})) {
            JsonNode golden = TestModels.json(TestModels.GOLDEN.resolve((String) m[1]).resolve("logits.json"));
            int i = 0;
            for (JsonNode p : golden.get("prompts")) {
                out.add(Arguments.of(m[1] + " #" + i++, m[0], p));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("prompts")
    void logitsMatchTheReferenceAtEveryPosition(String name, Path dir, JsonNode prompt) {
        int[] ids = TestModels.ints(prompt.get("ids"));
        try (Model model = Model.load(dir)) {
            Transformer tf = new Transformer(model.config(), model.weights(), pool);
            float[][] rows = allLogits(tf, model.config(), ids);
            JsonNode top10 = prompt.get("top10_per_position");
            for (int p = 0; p < ids.length; p++) {
                JsonNode expected = top10.get(p);
                int argmax = argmax(rows[p]);
                assertThat(argmax).as("%s: top-1 at position %d", name, p).isEqualTo(expected.get(0).get(0).asInt());
                for (JsonNode pair : expected) {
                    assertThat((double) rows[p][pair.get(0).asInt()]).as("%s: logit of %s at %d", name, pair.get(0), p)
                            .isCloseTo(pair.get(1).asDouble(), org.assertj.core.data.Offset.offset(1e-3));
                }
            }
            float[] last = rows[ids.length - 1];
            JsonNode golden = prompt.get("last_logits");
            double min = Double.MAX_VALUE;
            double max = -Double.MAX_VALUE;
            double maxDiff = 0;
            for (int v = 0; v < golden.size(); v++) {
                double g = golden.get(v).asDouble();
                min = Math.min(min, g);
                max = Math.max(max, g);
                maxDiff = Math.max(maxDiff, Math.abs(g - last[v]));
            }
            assertThat(maxDiff).as("%s: max |logit difference| at the last position", name).isLessThanOrEqualTo(1e-3 * (max - min));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("prompts")
    void greedyDecodingWithTheKvCacheFollowsTheReference(String name, Path dir, JsonNode prompt) {
        JsonNode expected = prompt.has("greedy16") ? prompt.get("greedy16") : greedyFor(prompt);
        int[] ids = TestModels.ints(prompt.get("ids"));
        try (Model model = Model.load(dir)) {
            Transformer tf = new Transformer(model.config(), model.weights(), pool);
            int[] out = greedy(tf, model.config(), ids, expected.size());
            assertThat(out).as(name).containsExactly(TestModels.ints(expected));
        }
    }

    private static JsonNode greedyFor(JsonNode prompt) {
        JsonNode greedy = TestModels.json(TestModels.GOLDEN.resolve("kjv-llama-tiny/greedy.json"));
        for (JsonNode p : greedy.get("prompts")) {
            if (p.get("ids").equals(prompt.get("ids"))) {
                return p.get("output_ids");
            }
        }
        throw new AssertionError("no greedy golden for " + prompt.get("text"));
    }

    static float[][] allLogits(Transformer tf, ModelConfig c, int[] ids) {
        try (KvCache cache = PagedKvCache.create(spec(c, ids.length + 1))) {
            Logits logits = tf.forward(List.of(new SequenceChunk(ids, 0, table(cache), LogitsMode.ALL)), cache);
            return IntStream.range(0, ids.length).mapToObj(logits::row).toArray(float[][]::new);
        }
    }

    /** Prefill then decode one token at a time (block size 16 so the decode crosses blocks). */
    static int[] greedy(Transformer tf, ModelConfig c, int[] prompt, int n) {
        try (KvCache cache = PagedKvCache.create(spec(c, prompt.length + n))) {
            int[] table = table(cache);
            int[] out = new int[n];
            Logits logits = tf.forward(List.of(new SequenceChunk(prompt, 0, table, LogitsMode.LAST)), cache);
            int pos = prompt.length;
            for (int i = 0; i < n; i++) {
                out[i] = argmax(logits.row(0));
                if (i + 1 < n) {
                    logits = tf.forward(List.of(new SequenceChunk(new int[] {out[i]}, pos++, table, LogitsMode.LAST)), cache);
                }
            }
            return out;
        }
    }

    static KvCacheSpec spec(ModelConfig c, int tokens) {
        return new KvCacheSpec(c.numLayers(), c.numKvHeads(), c.headDim(), 16, (tokens + 15) / 16, KvFormat.F32);
    }

    static int[] table(KvCache cache) {
        int[] t = new int[cache.spec().numBlocks()];
        Arrays.setAll(t, i -> t.length - 1 - i); // reversed: blocks need not be in order
        return t;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
