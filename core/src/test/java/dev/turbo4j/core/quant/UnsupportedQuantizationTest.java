package dev.turbo4j.core.quant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turbo4j.core.kernel.DenseWeight;
import dev.turbo4j.core.kernel.Int4GroupWeight;
import dev.turbo4j.core.model.LoadOptions;
import dev.turbo4j.core.model.Model;
import dev.turbo4j.core.model.ModelLoadException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Detection of the quantization format, the override, and clear errors for variants we cannot run. */
class UnsupportedQuantizationTest {
    @TempDir
    Path tmp;

    /** A copy of a fixture whose config.json quantization_config is edited. */
    private Path withQuantizationConfig(Path fixture, Consumer<ObjectNode> edit) throws IOException {
        Path dir = tmp.resolve(fixture.getFileName());
        Files.createDirectories(dir);
        for (String f : new String[] {"model.safetensors", "config.json"}) {
            Files.copy(fixture.resolve(f), dir.resolve(f));
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        edit.accept((ObjectNode) config.get("quantization_config"));
        json.writeValue(dir.resolve("config.json").toFile(), config);
        return dir;
    }

    @Test
    void gptqWithActOrderIsRefused() throws IOException {
        Path dir = withQuantizationConfig(QuantizedGoldenTest.GPTQ, q -> q.put("desc_act", true));
        assertThatThrownBy(() -> Model.load(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("config.json").hasMessageContaining("desc_act=true");
    }

    @Test
    void threeBitIsRefused() throws IOException {
        Path dir = withQuantizationConfig(QuantizedGoldenTest.GPTQ, q -> q.put("bits", 3));
        assertThatThrownBy(() -> Model.load(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("bits=3").hasMessageContaining("4-bit only");
    }

    @Test
    void awqGemvIsRefused() throws IOException {
        Path dir = withQuantizationConfig(QuantizedGoldenTest.AWQ, q -> q.put("version", "GEMV"));
        assertThatThrownBy(() -> Model.load(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("version \"gemv\"").hasMessageContaining("only \"gemm\"");
    }

    @Test
    void int4FromAnOlderLayoutIsRefusedWithWhatToDo() throws IOException {
        Path dir = withQuantizationConfig(QuantizedGoldenTest.AWQ, q -> {
            q.put("quant_method", "turbo4j-int4");
            q.remove("version");
        });
        assertThatThrownBy(() -> Model.load(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("turbo4j-int4 layout version 1").hasMessageContaining("turbo4j convert");
    }

    @Test
    void unknownMethodIsRefused() throws IOException {
        Path dir = withQuantizationConfig(QuantizedGoldenTest.AWQ, q -> q.put("quant_method", "bitsandbytes"));
        assertThatThrownBy(() -> Model.load(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("\"bitsandbytes\" is not supported").hasMessageContaining("awq");
    }

    @Test
    void modulesToNotConvertLoadDense() throws IOException {
        Path dir = withQuantizationConfig(QuantizedGoldenTest.AWQ, q -> q.putArray("modules_to_not_convert").add("down_proj"));
        // The fixture has no dense down_proj, so honouring the list means asking for its .weight.
        assertThatThrownBy(() -> Model.load(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("model.layers.0.mlp.down_proj.weight");
        QuantizationConfig q = QuantizationConfig.read(dir, null);
        assertThat(q.keepsDense("model.layers.3.mlp.down_proj")).isTrue();
        assertThat(q.keepsDense("model.layers.3.mlp.up_proj")).isFalse();
    }

    @Test
    void theFormatIsDetectedAndCanBeOverridden() throws IOException {
        assertThat(QuantizationConfig.read(QuantizedGoldenTest.AWQ, null).format()).isEqualTo(ModelFormat.AWQ);
        QuantizationConfig gptq = QuantizationConfig.read(QuantizedGoldenTest.GPTQ, null);
        assertThat(gptq.format()).isEqualTo(ModelFormat.GPTQ);
        assertThat(gptq.gptqZeroOffset()).isTrue();
        // Without quantization_config, --model-format awq still loads the AWQ tensors.
        Path dir = withQuantizationConfig(QuantizedGoldenTest.AWQ, q -> { });
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        config.remove("quantization_config");
        json.writeValue(dir.resolve("config.json").toFile(), config);
        try (Model m = Model.load(dir, LoadOptions.DEFAULT.withModelFormat(ModelFormat.AWQ))) {
            assertThat(m.weights().layers().get(1).o()).isInstanceOf(Int4GroupWeight.class);
            assertThat(m.weights().lmHead()).isInstanceOf(DenseWeight.class);
            assertThat(m.repackedBytes()).isPositive();
        }
        assertThatThrownBy(() -> Model.load(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("q_proj.weight' is missing");
    }
}
