package dev.turbo4j.core.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turbo4j.core.safetensors.SafetensorsWriter;
import dev.turbo4j.core.tensor.DType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a Hugging Face model folder of a given shape with random weights (uniform, standard
 * deviation 0.02; norms 1): config.json, generation_config.json and model.safetensors. The
 * same seed gives the same bytes. Used for benchmarks of real shapes and for tests of the
 * families whose real checkpoints are too big to ship.
 */
public final class RandomModelWriter {
    private static final int CHUNK = 1 << 20;

    private RandomModelWriter() {
    }

    public static void write(ModelShape shape, DType dtype, long seed, Path out) throws IOException {
        Files.createDirectories(out);
        writeConfig(shape, dtype, out);
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        WeightNames n = shape.architecture().weightNames();
        int h = shape.hiddenSize();
        int q = shape.numHeads() * shape.headDim();
        int kv = shape.numKvHeads() * shape.headDim();
        boolean qkvBias = shape.bias();
        boolean oBias = shape.bias() && shape.architecture() != Architecture.QWEN2;
        random(w, n.embedding() + ".weight", dtype, seed, shape.vocabSize(), h);
        for (int i = 0; i < shape.numLayers(); i++) {
            ones(w, WeightNames.layer(n.attentionNorm(), i) + ".weight", dtype, h);
            if (n.packedQkv()) {
                String base = WeightNames.layer(n.qkv(), i);
                random(w, base + ".weight", dtype, seed, q + 2 * kv, h);
                if (qkvBias) {
                    random(w, base + ".bias", dtype, seed, q + 2 * kv);
                }
            } else {
                for (String[] p : new String[][] {{n.q(), "q"}, {n.k(), "k"}, {n.v(), "v"}}) {
                    String base = WeightNames.layer(p[0], i);
                    int rows = p[1].equals("q") ? q : kv;
                    random(w, base + ".weight", dtype, seed, rows, h);
                    if (qkvBias) {
                        random(w, base + ".bias", dtype, seed, rows);
                    }
                }
            }
            String o = WeightNames.layer(n.o(), i);
            random(w, o + ".weight", dtype, seed, h, q);
            if (oBias) {
                random(w, o + ".bias", dtype, seed, h);
            }
            ones(w, WeightNames.layer(n.mlpNorm(), i) + ".weight", dtype, h);
            random(w, WeightNames.layer(n.gate(), i) + ".weight", dtype, seed, shape.intermediateSize(), h);
            random(w, WeightNames.layer(n.up(), i) + ".weight", dtype, seed, shape.intermediateSize(), h);
            random(w, WeightNames.layer(n.down(), i) + ".weight", dtype, seed, h, shape.intermediateSize());
        }
        ones(w, n.finalNorm() + ".weight", dtype, h);
        if (!shape.tieWordEmbeddings()) {
            random(w, n.lmHead() + ".weight", dtype, seed, shape.vocabSize(), h);
        }
        w.write(out.resolve("model.safetensors"));
    }

    private static void writeConfig(ModelShape s, DType dtype, Path out) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode c = json.createObjectNode();
        c.putArray("architectures").add(s.architecture().hfName());
        c.put("model_type", switch (s.architecture()) {
            case LLAMA -> "llama";
            case MISTRAL -> "mistral";
            case QWEN2 -> "qwen2";
            case INTERNLM -> "internlm";
            case INTERNLM2 -> "internlm2";
        });
        c.put("hidden_act", "silu");
        c.put("hidden_size", s.hiddenSize());
        c.put("intermediate_size", s.intermediateSize());
        c.put("num_hidden_layers", s.numLayers());
        c.put("num_attention_heads", s.numHeads());
        c.put("num_key_value_heads", s.numKvHeads());
        c.put("head_dim", s.headDim());
        c.put("max_position_embeddings", s.maxPositionEmbeddings());
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", s.ropeTheta());
        if (s.ropeScaling().type().equals("default")) {
            c.putNull("rope_scaling");
        } else {
            ObjectNode r = c.putObject("rope_scaling");
            r.put("rope_type", s.ropeScaling().type());
            r.put("factor", s.ropeScaling().factor());
            r.put("low_freq_factor", s.ropeScaling().lowFreqFactor());
            r.put("high_freq_factor", s.ropeScaling().highFreqFactor());
            r.put("original_max_position_embeddings", s.ropeScaling().originalMaxPositionEmbeddings());
        }
        c.put("vocab_size", s.vocabSize());
        c.put("tie_word_embeddings", s.tieWordEmbeddings());
        switch (s.architecture()) {
            case LLAMA, MISTRAL -> c.put("attention_bias", s.bias());
            case INTERNLM, INTERNLM2 -> c.put("bias", s.bias());
            case QWEN2 -> { }
        }
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        c.put("torch_dtype", switch (dtype) {
            case F32 -> "float32";
            case F16 -> "float16";
            default -> "bfloat16";
        });
        json.writeValue(out.resolve("config.json").toFile(), c);
        ObjectNode g = json.createObjectNode();
        g.put("bos_token_id", 1);
        g.put("eos_token_id", 2);
        json.writeValue(out.resolve("generation_config.json").toFile(), g);
    }

    private static void ones(SafetensorsWriter w, String name, DType dtype, int size) {
        float[] v = new float[size];
        java.util.Arrays.fill(v, 1f);
        w.addFloats(name, dtype, new long[] {size}, v);
    }

    private static void random(SafetensorsWriter w, String name, DType dtype, long seed, long... shape) {
        long total = 1;
        for (long d : shape) {
            total *= d;
        }
        long count = total;
        long tensorSeed = seed * 0x9E3779B97F4A7C15L ^ name.hashCode();
        w.add(name, dtype, shape, out -> {
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(tensorSeed);
            float range = (float) (0.02 * Math.sqrt(3));
            for (long done = 0; done < count; done += CHUNK) {
                int len = (int) Math.min(CHUNK, count - done);
                float[] v = new float[len];
                for (int i = 0; i < len; i++) {
                    v[i] = (float) (rnd.nextDouble() * 2 - 1) * range;
                }
                out.write(SafetensorsWriter.encodeFloats(v, dtype));
            }
        });
    }
}
