package dev.turbo4j.core.quant;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turbo4j.core.kernel.DenseWeight;
import dev.turbo4j.core.kernel.Int4GroupWeight;
import dev.turbo4j.core.kernel.Int8ChannelWeight;
import dev.turbo4j.core.kernel.LinearWeight;
import dev.turbo4j.core.kernel.RowParallelLinear;
import dev.turbo4j.core.kernel.StackedLinear;
import dev.turbo4j.core.model.LayerWeights;
import dev.turbo4j.core.model.LoadOptions;
import dev.turbo4j.core.model.Model;
import dev.turbo4j.core.model.ModelLoadException;
import dev.turbo4j.core.model.ModelShape;
import dev.turbo4j.core.model.RandomModelWriter;
import dev.turbo4j.core.safetensors.TensorInfo;
import dev.turbo4j.core.safetensors.TensorStore;
import dev.turbo4j.core.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code convert --tp N}: the shards written, loading them as a map, and the model they make
 * being the unsplit one (same weights, logits up to float rounding, same greedy tokens).
 */
class TensorParallelConvertTest {
    private static final Path KJV = QuantizeAndConvertTest.KJV;
    private static final int[] PROMPT = Arrays.copyOf(
            QuantizedGoldenTest.ints(QuantizedGoldenTest.GOLDEN.get("ppl").get("ids")), 48);

    @TempDir
    Path tmp;

    @Test
    void eachRankStoresItsBlockOfEveryDecoderLinear() throws IOException {
        Path out = tmp.resolve("kjv-tp2");
        ModelConverter.Summary s = ModelConverter.convert(KJV, out, null, 2);
        assertThat(s.tp()).isEqualTo(2);
        assertThat(s.layersSplit()).isEqualTo(6 * 7);
        assertThat(s.to()).isEqualTo(ModelFormat.HF);
        assertThat(new ObjectMapper().readTree(out.resolve("config.json").toFile()).get("turbo4j").get("tp").asInt())
                .isEqualTo(2);
        try (TensorStore store = TensorStore.open(out)) {
            // KJV: hidden 256, 8 query heads and 4 kv heads of 32, intermediate 768.
            String layer = "model.layers.3.";
            for (int r = 0; r < 2; r++) {
                assertShape(store, layer + "self_attn.q_proj.tp" + r + ".weight", 128, 256);
                assertShape(store, layer + "self_attn.k_proj.tp" + r + ".weight", 64, 256);
                assertShape(store, layer + "self_attn.v_proj.tp" + r + ".weight", 64, 256);
                assertShape(store, layer + "self_attn.o_proj.tp" + r + ".weight", 256, 128);
                assertShape(store, layer + "mlp.gate_proj.tp" + r + ".weight", 384, 256);
                assertShape(store, layer + "mlp.up_proj.tp" + r + ".weight", 384, 256);
                assertShape(store, layer + "mlp.down_proj.tp" + r + ".weight", 256, 384);
            }
            assertThat(store.has(layer + "self_attn.q_proj.weight")).isFalse();
            assertThat(store.has(layer + "self_attn.q_proj.tp2.weight")).isFalse();
            assertShape(store, "lm_head.weight", 2048, 256);
            assertShape(store, "model.embed_tokens.weight", 2048, 256);
            assertThat(store.get(layer + "mlp.down_proj.tp1.weight").dtype()).isEqualTo(DType.BF16);
        }
        try (Model original = Model.load(KJV);
             Model split = Model.load(out)) {
            assertThat(split.repackedBytes()).isZero();
            LayerWeights l = split.weights().layers().get(3);
            assertThat(l.o()).isInstanceOf(RowParallelLinear.class);
            assertThat(((RowParallelLinear) l.down()).shards()).hasSize(2).allMatch(w -> w instanceof DenseWeight);
            assertThat(l.qkv()).isInstanceOf(StackedLinear.class);
            assertSameWeights(original, split);
        }
    }

    /** Every source format, split for two ranks: a map of the same weights with the same outputs. */
    @ParameterizedTest
    @ValueSource(strings = {"kjv-bf16", "qwen2-bias-tied", "internlm2-packed-qkv", "awq", "gptq", "turbo4j-int4", "turbo4j-int8"})
    void aSplitFolderLoadsAsAMapWithTheUnsplitModelsWeightsAndLogits(String source) throws IOException {
        Path src = source(source);
        Path out = tmp.resolve(source + "-tp2");
        ModelConverter.Summary s = ModelConverter.convert(src, out, null, 2);
        float[] expected;
        try (Model original = Model.load(src)) {
            expected = ModelRuns.lastLogits(original, PROMPT);
            try (Model split = Model.load(out)) {
                assertThat(split.config().tensorParallel()).isEqualTo(2);
                assertThat(split.repackedBytes()).as("loading a converted folder repacks nothing").isZero();
                LinearWeight shard = ((RowParallelLinear) split.weights().layers().get(1).down()).shards().get(1);
                switch (s.to()) {
                    case TURBO4J_INT4 -> {
                        assertThat(shard).isInstanceOf(Int4GroupWeight.class);
                        // A folder already in the kernel layout is only split, not repacked again.
                        assertThat(s.layersRepacked()).isEqualTo(s.from() == ModelFormat.TURBO4J_INT4 ? 0 : s.layersSplit());
                    }
                    case TURBO4J_INT8 -> assertThat(shard).isInstanceOf(Int8ChannelWeight.class);
                    default -> assertThat(shard).isInstanceOf(DenseWeight.class);
                }
                assertSameWeights(original, split);
                // Row-parallel layers add their partial sums in another order: float rounding only.
                assertThat(ModelRuns.lastLogits(split, PROMPT)).containsExactly(expected, within(1e-4f));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"kjv-bf16", "awq"})
    void greedyContinuationWithTwoRanksEqualsOneRank(String source) throws IOException {
        Path src = source(source);
        Path out = tmp.resolve(source + "-tp2");
        ModelConverter.convert(src, out, null, 2);
        int[] expected;
        try (Model m = Model.load(src)) {
            expected = ModelRuns.greedy(m, PROMPT, 16);
        }
        try (Model m = Model.load(out, LoadOptions.DEFAULT.withTp(2))) {
            assertThat(ModelRuns.greedy(m, PROMPT, 16)).containsExactly(expected);
        }
    }

    @Test
    void aTpThatDoesNotDivideTheHeadsIsRefusedBeforeAnythingIsWritten() {
        Path out = tmp.resolve("kjv-tp3");
        assertThatThrownBy(() -> ModelConverter.convert(KJV, out, null, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--tp 3 does not divide num_attention_heads 8")
                .hasMessageContaining("1, 2 or 4");
        assertThatThrownBy(() -> ModelConverter.convert(KJV, out, null, 8))
                .hasMessageContaining("--tp 8 does not divide num_key_value_heads 4");
        assertThat(out).doesNotExist();
    }

    @Test
    void aTpThatWouldCutAnInt4GroupIsRefusedNamingTheLayerAndSizes() throws IOException {
        // random-qwen2-tiny: o_proj has 128 inputs, so two ranks would get 64 each, half a group of 128.
        Path awq = tmp.resolve("qwen2-awq");
        ModelQuantizer.quantize(QuantizeAndConvertTest.QWEN2, awq, new ModelQuantizer.Options(ModelFormat.AWQ, 128, false));
        Path out = tmp.resolve("qwen2-awq-tp2");
        assertThatThrownBy(() -> ModelConverter.convert(awq, out, null, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--tp 2 gives each rank 64 of the 128 inputs of layer model.layers.0.self_attn.o_proj")
                .hasMessageContaining("not a multiple of 128 (its int4 group size)");
        assertThat(out).doesNotExist();
    }

    @Test
    void aRunMayAskForOneRankOrTheRanksTheFolderWasSplitFor() throws IOException {
        Path out = tmp.resolve("kjv-tp2");
        ModelConverter.convert(KJV, out, null, 2);
        try (Model m = Model.load(out, LoadOptions.DEFAULT.withTp(1))) {
            assertThat(m.weights().layers().get(0).o()).isInstanceOf(RowParallelLinear.class);
        }
        assertThatThrownBy(() -> Model.load(out, LoadOptions.DEFAULT.withTp(4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tp 4: " + out + " is stored split for tp 2")
                .hasMessageContaining("turbo4j convert MODEL --dst-path OUT --tp 4");
        assertThatThrownBy(() -> Model.load(KJV, LoadOptions.DEFAULT.withTp(2)))
                .hasMessageContaining("is stored unsplit (tp 1)").hasMessageContaining("--tp 2");
    }

    @Test
    void aSplitFolderIsNotConvertedOrQuantizedAgain() throws IOException {
        Path out = tmp.resolve("kjv-tp2");
        ModelConverter.convert(KJV, out, null, 2);
        assertThatThrownBy(() -> ModelConverter.convert(out, tmp.resolve("again"), null, 1))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("stored split for tp 2");
        assertThatThrownBy(() -> ModelQuantizer.quantize(out, tmp.resolve("int8"),
                new ModelQuantizer.Options(ModelFormat.TURBO4J_INT8, 0, false)))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("original (unsplit) model");
    }

    /** A source folder of the named kind, written into tmp where it is derived. */
    private Path source(String kind) throws IOException {
        return switch (kind) {
            case "kjv-bf16" -> KJV;
            case "qwen2-bias-tied" -> QuantizeAndConvertTest.QWEN2;
            case "awq" -> QuantizedGoldenTest.AWQ;
            case "gptq" -> QuantizedGoldenTest.GPTQ;
            case "internlm2-packed-qkv" -> {
                Path dir = tmp.resolve("internlm2");
                RandomModelWriter.write(ModelShape.named("tiny-internlm2"), DType.F32, 3, dir);
                yield dir;
            }
            case "turbo4j-int4" -> {
                Path dir = tmp.resolve("awq-converted");
                ModelConverter.convert(QuantizedGoldenTest.AWQ, dir, null);
                yield dir;
            }
            case "turbo4j-int8" -> {
                Path dir = tmp.resolve("kjv-int8");
                ModelQuantizer.quantize(KJV, dir, new ModelQuantizer.Options(ModelFormat.TURBO4J_INT8, 0, false));
                yield dir;
            }
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private static void assertShape(TensorStore store, String name, long... shape) {
        TensorInfo t = store.get(name);
        assertThat(t.shape()).as(name).containsExactly(shape);
    }

    /** Every row of every decoder linear, dequantized, is bit for bit the same. */
    private static void assertSameWeights(Model a, Model b) {
        for (int i = 0; i < a.config().numLayers(); i++) {
            LayerWeights x = a.weights().layers().get(i);
            LayerWeights y = b.weights().layers().get(i);
            assertSameRows("layer " + i + " qkv", x.qkv(), y.qkv());
            assertSameRows("layer " + i + " o", x.o(), y.o());
            assertSameRows("layer " + i + " gate/up", x.gateUp(), y.gateUp());
            assertSameRows("layer " + i + " down", x.down(), y.down());
        }
    }

    private static void assertSameRows(String what, LinearWeight expected, LinearWeight actual) {
        assertThat(actual.outFeatures()).as(what).isEqualTo(expected.outFeatures());
        assertThat(actual.inFeatures()).as(what).isEqualTo(expected.inFeatures());
        float[] e = new float[expected.inFeatures()];
        float[] a = new float[actual.inFeatures()];
        for (int r = 0; r < expected.outFeatures(); r++) {
            expected.readRow(r, e, 0);
            actual.readRow(r, a, 0);
            if (!Arrays.equals(e, a)) {
                assertThat(a).as("%s row %d", what, r).containsExactly(e);
            }
        }
    }
}
