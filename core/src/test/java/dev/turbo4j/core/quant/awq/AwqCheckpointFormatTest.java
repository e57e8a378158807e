package dev.turbo4j.core.quant.awq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turbo4j.core.kernel.LinearWeight;
import dev.turbo4j.core.model.LayerWeights;
import dev.turbo4j.core.model.Model;
import dev.turbo4j.core.parallel.WorkerPool;
import dev.turbo4j.core.safetensors.SafetensorsFile;
import dev.turbo4j.core.safetensors.TensorInfo;
import dev.turbo4j.core.tensor.DType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What {@code lite auto_awq} writes, checked with a reference unpacker written here from the
 * verified layout (shared/golden/README-quant.md), independent of {@link AwqGemmPacking}.
 */
class AwqCheckpointFormatTest {
    private static final String[] PROJECTIONS = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
            "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"};

    @TempDir
    static Path out;
    static AwqReport report;

    @BeforeAll
    static void quantizeTheDemoModelWithRoundToNearest() throws IOException {
        AwqOptions options = new AwqOptions(CalibrationSet.BUILTIN, 2, 64, 1, 4, 128, false, AwqOptions.ScaleMode.NONE);
        try (WorkerPool pool = new WorkerPool(2)) {
            report = new AutoAwq(pool, AwqProgress.NONE).run(QuantTestData.KJV, out, options);
        }
    }

    @Test
    void configCarriesAutoAwqsQuantizationConfig() throws IOException {
        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        JsonNode q = config.get("quantization_config");
        assertThat(q.get("quant_method").asText()).isEqualTo("awq");
        assertThat(q.get("version").asText()).isEqualTo("gemm");
        assertThat(q.get("bits").asInt()).isEqualTo(4);
        assertThat(q.get("group_size").asInt()).isEqualTo(128);
        assertThat(q.get("zero_point").asBoolean()).isTrue();
        assertThat(q.has("modules_to_not_convert")).isTrue();
        assertThat(config.get("torch_dtype").asText()).isEqualTo("float16");
        assertThat(config.get("hidden_size").asInt()).isEqualTo(256);
        for (String f : List.of("tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json",
                "generation_config.json")) {
            assertThat(out.resolve(f)).exists();
        }
        assertThat(report.pplAfter()).isGreaterThan(report.pplBefore() * 0.98).isLessThan(report.pplBefore() * 1.05);
    }

    @Test
    void everyLinearUnpacksToWithinOneQuantizationStepOfTheSourceWeight() {
        try (Arena arena = Arena.ofConfined(); Model source = Model.load(QuantTestData.KJV);
             DequantizedAwqModel written = DequantizedAwqModel.load(out)) {
            Map<String, TensorInfo> tensors = SafetensorsFile.open(out.resolve("model.safetensors"), arena).tensors();
            int checked = 0;
            for (int layer = 0; layer < 6; layer++) {
                LayerWeights src = source.weights().layers().get(layer);
                LayerWeights back = written.weights().layers().get(layer);
                int rowOffsetQkv = 0;
                int rowOffsetGateUp = 0;
                for (String proj : PROJECTIONS) {
                    String base = "model.layers." + layer + "." + proj;
                    assertThat(tensors).doesNotContainKey(base + ".weight");
                    Reference ref = Reference.unpack(tensors, base, 128);
                    LinearWeight original;
                    LinearWeight reread;
                    int rowOffset;
                    switch (proj) {
                        case "self_attn.o_proj" -> { original = src.o(); reread = back.o(); rowOffset = 0; }
                        case "mlp.down_proj" -> { original = src.down(); reread = back.down(); rowOffset = 0; }
                        case "mlp.gate_proj", "mlp.up_proj" -> {
                            original = src.gateUp(); reread = back.gateUp(); rowOffset = rowOffsetGateUp;
                            rowOffsetGateUp += ref.out;
                        }
                        default -> {
                            original = src.qkv(); reread = back.qkv(); rowOffset = rowOffsetQkv;
                            rowOffsetQkv += ref.out;
                        }
                    }
                    float[] row = new float[ref.in];
                    float[] rowBack = new float[ref.in];
                    for (int o = 0; o < ref.out; o++) {
                        original.readRow(rowOffset + o, row, 0);
                        reread.readRow(rowOffset + o, rowBack, 0);
                        for (int i = 0; i < ref.in; i++) {
                            float w = ref.weight(o, i);
                            assertThat(Math.abs(w - row[i])).as("%s [%d, %d]", base, o, i).isLessThanOrEqualTo(ref.scale(o, i));
                            assertThat(rowBack[i]).as("reader %s [%d, %d]", base, o, i).isEqualTo(w);
                        }
                    }
                    checked++;
                }
            }
            assertThat(checked).isEqualTo(42);
        }
    }

    @Test
    void unquantizedTensorsAreF16CopiesOfTheSource() {
        try (Arena arena = Arena.ofConfined(); Model source = Model.load(QuantTestData.KJV)) {
            Map<String, TensorInfo> tensors = SafetensorsFile.open(out.resolve("model.safetensors"), arena).tensors();
            for (String name : List.of("model.embed_tokens.weight", "lm_head.weight", "model.norm.weight",
                    "model.layers.0.input_layernorm.weight", "model.layers.5.post_attention_layernorm.weight")) {
                assertThat(tensors.get(name).dtype()).as(name).isEqualTo(DType.F16);
            }
            TensorInfo embed = tensors.get("model.embed_tokens.weight");
            assertThat(embed.shape()).containsExactly(2048, 256);
            float[] row = new float[256];
            source.weights().embedding().readRow(7, row, 0);
            for (int i = 0; i < 256; i++) {
                short bits = embed.data().getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 7L * 256 + i);
                assertThat(Float.float16ToFloat(bits)).isEqualTo(row[i]);
            }
        }
    }

    @Test
    void aGroupSizeThatDividesNoLayerNamesTheLayerAndTheSizesThatWork(@TempDir Path elsewhere) {
        AwqOptions options = new AwqOptions(CalibrationSet.BUILTIN, 2, 64, 1, 4, 96, false, AwqOptions.ScaleMode.NONE);
        try (WorkerPool pool = new WorkerPool(1)) {
            assertThatThrownBy(() -> new AutoAwq(pool, AwqProgress.NONE).run(QuantTestData.KJV, elsewhere, options))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("--w-group-size 96 does not fit model.layers.0.self_attn.q_proj (input size 256)")
                    .hasMessageContaining("the int4 kernel runs groups that are multiples of 128 dividing every quantized layer's input; here 128")
                    .hasMessageContaining("-1");
            // 64 divides every layer but the kernel cannot run it: refused before calibrating, not written
            AwqOptions small = new AwqOptions(CalibrationSet.BUILTIN, 2, 64, 1, 4, 64, false, AwqOptions.ScaleMode.NONE);
            assertThatThrownBy(() -> new AutoAwq(pool, AwqProgress.NONE).run(QuantTestData.KJV, elsewhere, small))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--w-group-size 64 does not fit");
        }
    }

    @Test
    void anAlreadyQuantizedModelOrAFolderHoldingOtherWeightsIsRefused(@TempDir Path elsewhere) throws Exception {
        AwqOptions options = new AwqOptions(CalibrationSet.BUILTIN, 2, 64, 1, 4, 128, false, AwqOptions.ScaleMode.NONE);
        try (WorkerPool pool = new WorkerPool(1)) {
            assertThatThrownBy(() -> new AutoAwq(pool, AwqProgress.NONE).run(
                    java.nio.file.Path.of("src/test/resources/models/random-llama-tiny-awq"), elsewhere.resolve("a"), options))
                    .hasMessageContaining("already quantized (awq); calibrate the dense model");
            // a stale shard and index in the output would be loaded instead of the new model.safetensors
            java.nio.file.Path out = java.nio.file.Files.createDirectories(elsewhere.resolve("stale"));
            java.nio.file.Files.writeString(out.resolve("model-00001-of-00001.safetensors"), "old");
            java.nio.file.Files.writeString(out.resolve("model.safetensors.index.json"), "{}");
            assertThatThrownBy(() -> new AutoAwq(pool, AwqProgress.NONE).run(QuantTestData.KJV, out, options))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("already holds files that are not this model's (model-00001-of-00001.safetensors, model.safetensors.index.json)");
        }
    }

    /**
     * A reference AWQ gemm unpacker, from README-quant.md: qweight int32 [in, out/8], output
     * column 8c + j is nibble [0, 4, 1, 5, 2, 6, 3, 7][j] of word [i][c]; qzeros the same over
     * [in/G, out/8]; scales f16 [in/G, out]; W[o][i] = (q − z[g][o]) · scales[g][o], g = i / G.
     */
    private record Reference(int in, int out, int group, int[] qweight, int[] qzeros, float[] scales) {
        private static final int[] NIBBLE_OF_COLUMN = {0, 4, 1, 5, 2, 6, 3, 7};

        static Reference unpack(Map<String, TensorInfo> tensors, String base, int group) {
            TensorInfo qw = tensors.get(base + ".qweight");
            TensorInfo qz = tensors.get(base + ".qzeros");
            TensorInfo sc = tensors.get(base + ".scales");
            assertThat(qw.dtype()).isEqualTo(DType.I32);
            assertThat(qz.dtype()).isEqualTo(DType.I32);
            assertThat(sc.dtype()).isEqualTo(DType.F16);
            int in = (int) qw.shape()[0];
            int out = (int) qw.shape()[1] * 8;
            assertThat(qz.shape()).containsExactly(in / group, out / 8);
            assertThat(sc.shape()).containsExactly(in / group, out);
            int[] qweight = qw.data().toArray(ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN));
            int[] qzeros = qz.data().toArray(ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN));
            short[] half = sc.data().toArray(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN));
            float[] scales = new float[half.length];
            for (int k = 0; k < half.length; k++) {
                scales[k] = Float.float16ToFloat(half[k]);
            }
            return new Reference(in, out, group, qweight, qzeros, scales);
        }

        private static int nibble(int[] words, int row, int out, int column) {
            int word = words[row * (out / 8) + column / 8];
            return (word >>> (4 * NIBBLE_OF_COLUMN[column % 8])) & 0xF;
        }

        float scale(int o, int i) {
            return scales[(i / group) * out + o];
        }

        float weight(int o, int i) {
            int q = nibble(qweight, i, out, o);
            int z = nibble(qzeros, i / group, out, o);
            return (q - z) * scale(o, i);
        }
    }
}
