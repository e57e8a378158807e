package dev.turbo4j.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turbo4j.core.quant.ModelConverter;
import dev.turbo4j.core.quant.QuantizationConfig;
import dev.turbo4j.core.safetensors.TensorStore;
import dev.turbo4j.core.tensor.DType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading reports the tensors config.json does not account for, and none for a well-described folder. */
class UnusedTensorsTest {
    @TempDir
    Path tmp;

    private static List<String> unused(Path dir) {
        ModelConfig config = ModelConfig.load(dir);
        try (TensorStore store = TensorStore.open(dir); Arena arena = Arena.ofConfined()) {
            WeightLoader loader = new WeightLoader(store, config, QuantizationConfig.read(dir, null), arena);
            loader.load();
            return loader.unusedTensors();
        }
    }

    @Test
    void everyFolderFormatUsesAllItsTensors() throws IOException {
        Path models = Path.of("src/test/resources/models");
        for (Path dir : List.of(Path.of("../models/kjv-llama-tiny"), models.resolve("random-qwen2-tiny"),
                models.resolve("random-llama-tiny-awq"), models.resolve("random-llama-tiny-gptq"))) {
            assertThat(unused(dir)).as(dir.toString()).isEmpty();
        }
        for (String shape : List.of("tiny-llama", "tiny-qwen2", "tiny-internlm", "tiny-internlm2", "tiny-mistral")) {
            Path dir = tmp.resolve(shape);
            RandomModelWriter.write(ModelShape.named(shape), DType.BF16, 1, dir);
            assertThat(unused(dir)).as(shape).isEmpty();
        }
        Path split = tmp.resolve("kjv-tp2");
        ModelConverter.convert(Path.of("../models/kjv-llama-tiny"), split, null, 2);
        assertThat(unused(split)).isEmpty();
    }

    @Test
    void aConfigDescribingOtherWeightsLeavesTensorsUnused() throws IOException {
        Path dir = tmp.resolve("qwen2-as-llama");
        RandomModelWriter.write(ModelShape.named("tiny-qwen2"), DType.BF16, 1, dir);
        editConfig(dir, c -> c.putArray("architectures").add("LlamaForCausalLM"));
        assertThat(unused(dir)).contains("model.layers.0.self_attn.q_proj.bias", "model.layers.1.self_attn.v_proj.bias");

        Path fewer = tmp.resolve("fewer-layers");
        RandomModelWriter.write(ModelShape.named("tiny-llama"), DType.BF16, 1, fewer);
        editConfig(fewer, c -> c.put("num_hidden_layers", 1));
        assertThat(unused(fewer)).contains("model.layers.1.mlp.down_proj.weight").noneMatch(n -> n.startsWith("model.layers.0."));
    }

    @Test
    void loadingLogsTheUnusedTensorsAndACheckLogsThemToo() throws IOException {
        Path dir = tmp.resolve("qwen2-as-llama-logged");
        RandomModelWriter.write(ModelShape.named("tiny-qwen2"), DType.BF16, 1, dir);
        editConfig(dir, c -> c.putArray("architectures").add("LlamaForCausalLM"));
        List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(Model.class.getName());
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                warnings.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(handler);
        try {
            try (Model m = Model.load(dir)) {
                assertThat(m.config().architecture()).isEqualTo(Architecture.LLAMA);
            }
            Model.check(dir, LoadOptions.DEFAULT);
        } finally {
            log.removeHandler(handler);
        }
        assertThat(warnings).hasSize(2).allSatisfy(w -> assertThat(w)
                .contains("6 tensors of the weights are not used by LlamaForCausalLM")
                .contains("model.layers.0.self_attn.k_proj.bias"));
    }

    private static void editConfig(Path dir, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        edit.accept(c);
        json.writeValue(dir.resolve("config.json").toFile(), c);
    }
}
