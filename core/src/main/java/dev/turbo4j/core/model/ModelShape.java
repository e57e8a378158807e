package dev.turbo4j.core.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shape of a known model (dimensions, not weights), for making random-weight models of
 * real sizes to benchmark with, and tiny ones for tests.
 */
public record ModelShape(String name, Architecture architecture, int hiddenSize, int intermediateSize, int numLayers,
                         int numHeads, int numKvHeads, int headDim, int vocabSize, int maxPositionEmbeddings,
                         boolean tieWordEmbeddings, double ropeTheta, RopeScaling ropeScaling, boolean bias) {

    private static final Map<String, ModelShape> KNOWN = new LinkedHashMap<>();

    static {
        RopeScaling llama3 = new RopeScaling("llama3", 32, 1, 4, 8192);
        add(new ModelShape("llama-3.2-1b", Architecture.LLAMA, 2048, 8192, 16, 32, 8, 64, 128256, 131072, true, 500000, llama3, false));
        add(new ModelShape("llama-3.2-3b", Architecture.LLAMA, 3072, 8192, 28, 24, 8, 128, 128256, 131072, true, 500000, llama3, false));
        add(new ModelShape("llama-3.1-8b", Architecture.LLAMA, 4096, 14336, 32, 32, 8, 128, 128256, 131072, false, 500000, new RopeScaling("llama3", 8, 1, 4, 8192), false));
        add(new ModelShape("llama-2-7b", Architecture.LLAMA, 4096, 11008, 32, 32, 32, 128, 32000, 4096, false, 10000, RopeScaling.NONE, false));
        add(new ModelShape("qwen2.5-0.5b", Architecture.QWEN2, 896, 4864, 24, 14, 2, 64, 151936, 32768, true, 1000000, RopeScaling.NONE, true));
        add(new ModelShape("qwen2.5-1.5b", Architecture.QWEN2, 1536, 8960, 28, 12, 2, 128, 151936, 32768, true, 1000000, RopeScaling.NONE, true));
        add(new ModelShape("mistral-7b", Architecture.MISTRAL, 4096, 14336, 32, 32, 8, 128, 32768, 32768, false, 1000000, RopeScaling.NONE, false));
        add(new ModelShape("internlm2-1.8b", Architecture.INTERNLM2, 2048, 8192, 24, 16, 8, 128, 92544, 32768, false, 1000000, RopeScaling.NONE, false));
        add(new ModelShape("tiny-llama", Architecture.LLAMA, 64, 160, 2, 4, 2, 16, 2048, 512, false, 10000, RopeScaling.NONE, false));
        add(new ModelShape("tiny-qwen2", Architecture.QWEN2, 64, 160, 2, 4, 2, 16, 2048, 512, true, 1000000, RopeScaling.NONE, true));
        add(new ModelShape("tiny-internlm", Architecture.INTERNLM, 64, 160, 2, 4, 4, 16, 2048, 512, false, 10000, RopeScaling.NONE, true));
        add(new ModelShape("tiny-internlm2", Architecture.INTERNLM2, 64, 160, 2, 4, 2, 16, 2048, 512, false, 1000000, RopeScaling.NONE, false));
        add(new ModelShape("tiny-mistral", Architecture.MISTRAL, 64, 160, 2, 4, 2, 16, 2048, 512, false, 1000000, RopeScaling.NONE, false));
        add(new ModelShape("tiny-llama3", Architecture.LLAMA, 64, 160, 2, 4, 2, 16, 2048, 4096, true, 500000, new RopeScaling("llama3", 32, 1, 4, 256), false));
    }

    private static void add(ModelShape s) {
        KNOWN.put(s.name(), s);
    }

    /** A known shape by name, or a clear error listing them. */
    public static ModelShape named(String name) {
        ModelShape s = KNOWN.get(name.toLowerCase(java.util.Locale.ROOT));
        if (s == null) {
            throw new IllegalArgumentException("unknown model shape '" + name + "'; known: " + String.join(", ", KNOWN.keySet()));
        }
        return s;
    }

    public static Iterable<String> names() {
        return KNOWN.keySet();
    }

    /** Parameters, embeddings included once when tied. */
    public long parameterCount() {
        long attn = (long) hiddenSize * (numHeads + 2L * numKvHeads) * headDim + (long) numHeads * headDim * hiddenSize;
        long mlp = 3L * hiddenSize * intermediateSize;
        long perLayer = attn + mlp + 2L * hiddenSize;
        long embed = (long) vocabSize * hiddenSize;
        return numLayers * perLayer + embed * (tieWordEmbeddings ? 1 : 2) + hiddenSize;
    }
}
