package dev.turbo4j.core.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turbo4j.core.safetensors.SafetensorsWriter;
import dev.turbo4j.core.safetensors.TensorInfo;
import dev.turbo4j.core.safetensors.TensorStore;
import dev.turbo4j.core.tensor.DType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Broken model folders give one clear message naming the file and the problem. */
class ModelLoadErrorsTest {
    @TempDir
    Path tmp;
    Path model;

    @BeforeEach
    void makeModel() throws IOException {
        model = tmp.resolve("m");
        RandomModelWriter.write(ModelShape.named("tiny-llama"), DType.BF16, 1, model);
    }

    @Test
    void aValidRandomModelLoads() {
        try (Model m = Model.load(model)) {
            assertThat(m.config().architecture()).isEqualTo(Architecture.LLAMA);
            assertThat(m.weights().layers()).hasSize(2);
        }
    }

    @Test
    void missingFolderConfigAndWeights() throws IOException {
        assertThatThrownBy(() -> Model.load(tmp.resolve("nope"))).isInstanceOf(ModelLoadException.class).hasMessageContaining("not a folder");
        Files.delete(model.resolve("config.json"));
        assertThatThrownBy(() -> Model.load(model)).hasMessageContaining("no config.json");
        RandomModelWriter.write(ModelShape.named("tiny-llama"), DType.BF16, 1, model);
        Files.delete(model.resolve("model.safetensors"));
        assertThatThrownBy(() -> Model.load(model)).isInstanceOf(ModelLoadException.class).hasMessageContaining("no weights found");
    }

    @Test
    void unknownArchitectureListsTheSupportedOnes() throws IOException {
        editConfig(c -> c.putArray("architectures").add("GPTNeoXForCausalLM"));
        assertThatThrownBy(() -> Model.load(model)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("GPTNeoXForCausalLM is not supported")
                .hasMessageContaining("LlamaForCausalLM").hasMessageContaining("InternLM2ForCausalLM");
    }

    @Test
    void unsupportedRopeScalingIsNamed() throws IOException {
        editConfig(c -> c.putObject("rope_scaling").put("type", "yarn").put("factor", 4.0));
        assertThatThrownBy(() -> Model.load(model)).hasMessageContaining("rope_scaling type \"yarn\"");
    }

    @Test
    void headCountsRopeAndContextMustBePositive() throws IOException {
        // Each once failed late: a division by zero, a negative shape, or NaN logits with exit 0.
        ModelConfig valid = ModelConfig.load(model);
        editConfig(c -> c.put("num_key_value_heads", 0));
        assertThatThrownBy(() -> Model.load(model)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("\"num_key_value_heads\" is missing or not a positive integer");
        editConfig(c -> c.put("num_key_value_heads", valid.numKvHeads()).put("head_dim", -64));
        assertThatThrownBy(() -> Model.load(model)).hasMessageContaining("\"head_dim\" is missing or not a positive integer");
        editConfig(c -> c.put("head_dim", valid.headDim()).put("rope_theta", 0));
        assertThatThrownBy(() -> Model.load(model)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("\"rope_theta\" must be a positive number, not 0");
        editConfig(c -> c.remove("rope_theta"));
        editConfig(c -> c.putObject("rope_scaling").put("rope_type", "linear").put("factor", 0));
        assertThatThrownBy(() -> Model.load(model)).hasMessageContaining("rope_scaling: \"factor\" must be a positive number, not 0");
        editConfig(c -> c.put("rope_scaling", "linear"));
        assertThatThrownBy(() -> Model.load(model)).hasMessageContaining("\"rope_scaling\" must be an object");
        editConfig(c -> c.remove("rope_scaling"));
        editConfig(c -> c.put("max_position_embeddings", 0));
        assertThatThrownBy(() -> Model.load(model)).hasMessageContaining("\"max_position_embeddings\" is missing or not a positive integer");
    }

    @Test
    void generationConfigValuesOutOfRangeNameTheFile() throws IOException {
        // The user passed no --temperature: the message must say where the -1 came from.
        Files.writeString(model.resolve("generation_config.json"), "{\"temperature\": -1}");
        assertThatThrownBy(() -> dev.turbo4j.core.sampling.GenerationConfig.forModel(model))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith(model.resolve("generation_config.json") + ": temperature must be >= 0");
    }

    @Test
    void unusableJsonFilesAreDescribedWithoutParserInternals() throws IOException {
        Path config = model.resolve("config.json");
        Files.writeString(config, "{\"hidden_size\": 64,\n \"vocab_size\": }");
        assertThatThrownBy(() -> Model.load(model)).isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith(config + ": not valid JSON (Unexpected character ('}'")
                .hasMessageEndingWith("at line 2, column 16)").hasMessageNotContaining("Source");
        Files.delete(config);
        Files.createDirectory(config);
        assertThatThrownBy(() -> Model.load(model)).hasMessage(config + ": is a folder, not a JSON file");
    }

    @Test
    void truncatedSafetensorsIsReportedAsTruncated() throws IOException {
        Path f = model.resolve("model.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(raf.length() - 100);
        }
        assertThatThrownBy(() -> Model.load(model)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("model.safetensors").hasMessageContaining("truncated");
    }

    @Test
    void corruptHeaderLengthAndHeaderJson() throws IOException {
        Path f = model.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(f);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        Files.write(f, bytes);
        assertThatThrownBy(() -> Model.load(model)).hasMessageContaining("header length");
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 16);
        Files.write(f, bytes);
        assertThatThrownBy(() -> Model.load(model)).hasMessageContaining("not valid JSON");
    }

    @Test
    void wrongShapeMissingTensorAndWrongDtype() throws IOException {
        rewriteWeights("model.layers.1.mlp.up_proj.weight", new long[] {160, 32}, DType.BF16);
        assertThatThrownBy(() -> Model.load(model)).hasMessageContaining("model.layers.1.mlp.up_proj.weight")
                .hasMessageContaining("[160, 32]").hasMessageContaining("[160, 64]");
        RandomModelWriter.write(ModelShape.named("tiny-llama"), DType.BF16, 1, model);
        rewriteWeights("model.layers.0.self_attn.k_proj.weight", null, null);
        assertThatThrownBy(() -> Model.load(model)).hasMessageContaining("'model.layers.0.self_attn.k_proj.weight' is missing");
        RandomModelWriter.write(ModelShape.named("tiny-llama"), DType.BF16, 1, model);
        rewriteWeights("model.norm.weight", new long[] {64}, DType.I32);
        assertThatThrownBy(() -> Model.load(model)).hasMessageContaining("model.norm.weight").hasMessageContaining("dtype I32");
    }

    /** Rewrites the weights with one tensor replaced (new shape/dtype, zero-filled) or dropped (null shape). */
    private void rewriteWeights(String target, long[] shape, DType dtype) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        try (TensorStore store = TensorStore.open(model)) {
            for (TensorInfo t : store.tensors().values()) {
                if (t.name().equals(target)) {
                    if (shape != null) {
                        long n = 1;
                        for (long d : shape) {
                            n *= d;
                        }
                        byte[] zeros = new byte[(int) (n * dtype.byteSize())];
                        w.add(target, dtype, shape, out -> out.write(zeros));
                    }
                    continue;
                }
                byte[] data = t.data().toArray(ValueLayout.JAVA_BYTE);
                w.add(t.name(), t.dtype(), t.shape(), out -> out.write(data));
            }
            Path next = tmp.resolve("next.safetensors");
            w.write(next);
            store.close();
            Files.move(next, model.resolve("model.safetensors"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void editConfig(java.util.function.Consumer<ObjectNode> edit) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = (ObjectNode) json.readTree(model.resolve("config.json").toFile());
        edit.accept(c);
        json.writeValue(model.resolve("config.json").toFile(), c);
    }
}
