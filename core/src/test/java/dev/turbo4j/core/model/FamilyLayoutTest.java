package dev.turbo4j.core.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turbo4j.core.kvcache.KvCache;
import dev.turbo4j.core.kvcache.KvCacheSpec;
import dev.turbo4j.core.kvcache.KvFormat;
import dev.turbo4j.core.kvcache.PagedKvCache;
import dev.turbo4j.core.parallel.WorkerPool;
import dev.turbo4j.core.safetensors.SafetensorsWriter;
import dev.turbo4j.core.safetensors.TensorInfo;
import dev.turbo4j.core.safetensors.TensorStore;
import dev.turbo4j.core.tensor.DType;
import dev.turbo4j.core.transformer.Logits;
import dev.turbo4j.core.transformer.LogitsMode;
import dev.turbo4j.core.transformer.SequenceChunk;
import dev.turbo4j.core.transformer.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Families differ only by data. Each test rewrites one family's checkpoint into the plain
 * Llama layout by hand (renaming tensors, unpacking InternLM2's grouped wqkv) and checks the
 * two load to the same logits — so the family's mapping, not just its loading, is right.
 */
class FamilyLayoutTest {
    private static final int[] PROMPT = {1, 17, 42, 99, 7, 250, 3, 64, 128, 5};

    @TempDir
    Path tmp;

    @Test
    void internLm2PackedQkvEqualsTheSameWeightsAsSeparateLlamaProjections() throws IOException {
        Path internlm2 = tmp.resolve("internlm2");
        RandomModelWriter.write(ModelShape.named("tiny-internlm2"), DType.F32, 3, internlm2);
        Path llama = tmp.resolve("llama");
        Files.createDirectories(llama);
        ModelConfig c = ModelConfig.load(internlm2);
        int g = c.headsPerKvHead();
        int hd = c.headDim();
        try (TensorStore store = TensorStore.open(internlm2)) {
            SafetensorsWriter w = new SafetensorsWriter();
            for (TensorInfo t : store.tensors().values()) {
                String name = t.name()
                        .replace("model.tok_embeddings", "model.embed_tokens")
                        .replace("attention_norm", "input_layernorm")
                        .replace("ffn_norm", "post_attention_layernorm")
                        .replace("attention.wo", "self_attn.o_proj")
                        .replace("feed_forward.w1", "mlp.gate_proj")
                        .replace("feed_forward.w3", "mlp.up_proj")
                        .replace("feed_forward.w2", "mlp.down_proj")
                        .replace("output.weight", "lm_head.weight");
                float[] v = floats(t);
                if (name.contains("attention.wqkv")) {
                    String prefix = name.substring(0, name.indexOf("attention.wqkv")) + "self_attn.";
                    int h = t.dim(1);
                    float[] q = new float[c.qDim() * h];
                    float[] k = new float[c.kvDim() * h];
                    float[] vv = new float[c.kvDim() * h];
                    for (int kv = 0; kv < c.numKvHeads(); kv++) {
                        int groupRow = kv * (g + 2) * hd;
                        System.arraycopy(v, groupRow * h, q, kv * g * hd * h, g * hd * h);
                        System.arraycopy(v, (groupRow + g * hd) * h, k, kv * hd * h, hd * h);
                        System.arraycopy(v, (groupRow + (g + 1) * hd) * h, vv, kv * hd * h, hd * h);
                    }
                    w.addFloats(prefix + "q_proj.weight", DType.F32, new long[] {c.qDim(), h}, q);
                    w.addFloats(prefix + "k_proj.weight", DType.F32, new long[] {c.kvDim(), h}, k);
                    w.addFloats(prefix + "v_proj.weight", DType.F32, new long[] {c.kvDim(), h}, vv);
                } else {
                    w.addFloats(name, DType.F32, t.shape(), v);
                }
            }
            w.write(llama.resolve("model.safetensors"));
        }
        rewriteConfig(internlm2, llama, Map.of("architectures", "LlamaForCausalLM"));

        assertThat(lastLogits(llama)).containsExactly(lastLogits(internlm2), org.assertj.core.data.Offset.offset(1e-5f));
    }

    @Test
    void internLmV1BiasesOnQkvAndOAreApplied() throws IOException {
        Path internlm = tmp.resolve("internlm");
        RandomModelWriter.write(ModelShape.named("tiny-internlm"), DType.F32, 5, internlm);
        // The same tensors as a Llama with attention_bias: identical logits.
        Path llama = tmp.resolve("llama-bias");
        Files.createDirectories(llama);
        Files.copy(internlm.resolve("model.safetensors"), llama.resolve("model.safetensors"));
        rewriteConfig(internlm, llama, Map.of("architectures", "LlamaForCausalLM", "attention_bias", true));
        float[] expected = lastLogits(internlm);
        assertThat(lastLogits(llama)).containsExactly(expected, org.assertj.core.data.Offset.offset(1e-6f));
        // And the o bias matters: zeroing it changes the logits.
        Path noOBias = tmp.resolve("no-o-bias");
        Files.createDirectories(noOBias);
        try (TensorStore store = TensorStore.open(internlm)) {
            SafetensorsWriter w = new SafetensorsWriter();
            for (TensorInfo t : store.tensors().values()) {
                float[] v = floats(t);
                if (t.name().endsWith("o_proj.bias")) {
                    Arrays.fill(v, 0f);
                }
                w.addFloats(t.name(), DType.F32, t.shape(), v);
            }
            w.write(noOBias.resolve("model.safetensors"));
        }
        rewriteConfig(internlm, noOBias, Map.of());
        assertThat(maxDiff(lastLogits(noOBias), expected)).isGreaterThan(1e-4f);
    }

    private static float maxDiff(float[] a, float[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static void rewriteConfig(Path from, Path to, Map<String, Object> changes) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(from.resolve("config.json").toFile());
        changes.forEach((k, v) -> {
            if (k.equals("architectures")) {
                config.putArray(k).add((String) v);
            } else {
                config.putPOJO(k, v);
            }
        });
        json.writeValue(to.resolve("config.json").toFile(), config);
    }

    private static float[] floats(TensorInfo t) {
        return t.data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
    }

    private static float[] lastLogits(Path dir) {
        try (WorkerPool pool = new WorkerPool(2); Model m = Model.load(dir)) {
            ModelConfig c = m.config();
            Transformer tf = new Transformer(c, m.weights(), pool);
            try (KvCache cache = PagedKvCache.create(new KvCacheSpec(c.numLayers(), c.numKvHeads(), c.headDim(), 4, 4, KvFormat.F32))) {
                Logits l = tf.forward(List.of(new SequenceChunk(PROMPT, 0, new int[] {0, 1, 2, 3}, LogitsMode.LAST)), cache);
                return l.row(0);
            }
        }
    }
}
