package dev.turbo4j.core.quant;

import dev.turbo4j.core.kernel.DenseWeight;
import dev.turbo4j.core.kernel.Int4GroupWeight;
import dev.turbo4j.core.kernel.Int8ChannelWeight;
import dev.turbo4j.core.kernel.LinearWeight;
import dev.turbo4j.core.kvcache.KvFormat;
import dev.turbo4j.core.model.LoadOptions;
import dev.turbo4j.core.model.Model;
import dev.turbo4j.core.transformer.Perplexity;
import dev.turbo4j.core.transformer.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** {@code lite quantize} (int8, AWQ RTN) and {@code convert} (prepared int4) on real folders. */
class QuantizeAndConvertTest {
    static final Path KJV = Path.of("../models/kjv-llama-tiny");
    static final Path QWEN2 = QuantizedGoldenTest.MODELS.resolve("random-qwen2-tiny");

    @TempDir
    Path tmp;

    private static int[] evalIds(int n) {
        int[] ids = QuantizedGoldenTest.ints(QuantizedGoldenTest.json(Path.of("src/test/resources/golden/kjv-llama-tiny/ppl.json")).get("ids"));
        return Arrays.copyOf(ids, n);
    }

    private static double ppl(Path dir, int[] ids) {
        try (Model m = Model.load(dir)) {
            return Perplexity.compute(new Transformer(m.config(), m.weights(), ModelRuns.POOL), ids, 256, 1, KvFormat.F32).ppl();
        }
    }

    @Test
    void int8WeightsLoadAsAMemoryMapAndKeepThePerplexity() throws IOException {
        Path out = tmp.resolve("int8");
        ModelQuantizer.quantize(KJV, out, new ModelQuantizer.Options(ModelFormat.TURBO4J_INT8, 0, true));
        assertThat(Files.exists(out.resolve("tokenizer.json"))).isTrue();
        try (Model m = Model.load(out)) {
            assertThat(m.quantization().format()).isEqualTo(ModelFormat.TURBO4J_INT8);
            assertThat(m.weights().layers().get(0).down()).isInstanceOf(Int8ChannelWeight.class);
            assertThat(m.weights().lmHead()).isInstanceOf(Int8ChannelWeight.class);
            assertThat(m.weights().embedding()).isInstanceOf(DenseWeight.class);
            assertThat(m.repackedBytes()).isZero();
        }
        int[] ids = evalIds(1024);
        double dense = ppl(KJV, ids);
        double int8 = ppl(out, ids);
        assertThat(int8).isCloseTo(dense, org.assertj.core.data.Offset.offset(dense * 0.01));
    }

    @Test
    void awqRoundToNearestWritesWhatTheAwqLoaderReadsBack() throws IOException {
        Path out = tmp.resolve("awq");
        ModelQuantizer.quantize(KJV, out, new ModelQuantizer.Options(ModelFormat.AWQ, 128, false));
        try (Model m = Model.load(out);
             Model original = Model.load(KJV)) {
            assertThat(m.quantization().format()).isEqualTo(ModelFormat.AWQ);
            assertThat(m.weights().lmHead()).isInstanceOf(DenseWeight.class);
            LinearWeight down = original.weights().layers().get(1).down();
            Int4Groups expected = Int4RtnQuantizer.quantize(down, 128);
            LinearWeight loaded = m.weights().layers().get(1).down();
            assertThat(loaded).isInstanceOf(Int4GroupWeight.class);
            float[] row = new float[loaded.inFeatures()];
            for (int r = 0; r < loaded.outFeatures(); r += 7) {
                loaded.readRow(r, row, 0);
                for (int c = 0; c < row.length; c++) {
                    assertThat(row[c]).isEqualTo(expected.get(r, c));
                }
            }
        }
        int[] ids = evalIds(1024);
        double dense = ppl(KJV, ids);
        assertThat(ppl(out, ids)).isCloseTo(dense, org.assertj.core.data.Offset.offset(dense * 0.05));
    }

    @Test
    void aGroupSizeThatDoesNotDivideIsRefusedWithSizesThatWork() {
        assertThatThrownBy(() -> ModelQuantizer.quantize(KJV, tmp.resolve("bad"), new ModelQuantizer.Options(ModelFormat.AWQ, 96, false)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--w-group-size 96")
                .hasMessageContaining("model.layers.0.self_attn.q_proj").hasMessageContaining("128");
    }

    @Test
    void anOutputFolderHoldingAnotherModelsFilesIsRefusedAndARerunIsNot() throws IOException {
        Path out = tmp.resolve("int8");
        ModelQuantizer.Options int8 = new ModelQuantizer.Options(ModelFormat.TURBO4J_INT8, 0, false);
        ModelQuantizer.quantize(KJV, out, int8);
        ModelQuantizer.quantize(KJV, out, int8); // the same command again: its own output is fine
        Files.writeString(out.resolve("chat_template.jinja"), "{{ messages }}"); // left by another model
        assertThatThrownBy(() -> ModelQuantizer.quantize(KJV, out, int8)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already holds files that are not this model's (chat_template.jinja)");
    }

    @Test
    void aCheckOfAnInt4FolderRepacksNothing() {
        // Model.check runs before convert: it must not hold a second, repacked copy of the model.
        try (dev.turbo4j.core.safetensors.TensorStore store = dev.turbo4j.core.safetensors.TensorStore.open(QuantizedGoldenTest.AWQ);
             java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            dev.turbo4j.core.model.ModelConfig config = dev.turbo4j.core.model.ModelConfig.load(QuantizedGoldenTest.AWQ);
            dev.turbo4j.core.model.WeightLoader check = new dev.turbo4j.core.model.WeightLoader(store, config,
                    QuantizationConfig.read(QuantizedGoldenTest.AWQ, null), arena, true);
            var weights = check.load();
            assertThat(check.repackedBytes()).isZero();
            assertThat(weights.layers().getFirst().gateUp().byteSize()).isZero();
            assertThat(weights.layers().getFirst().gateUp().outFeatures()).isEqualTo(2 * config.intermediateSize());
        }
        dev.turbo4j.core.model.Model.check(QuantizedGoldenTest.AWQ, dev.turbo4j.core.model.LoadOptions.DEFAULT);
    }

    @Test
    void int8OfALayerTheInt8KernelCannotRunIsRefusedBeforeAnythingIsWritten() throws IOException {
        // tiny-qwen2's down_proj has 160 inputs: the folder was written, then failed to load.
        Path src = tmp.resolve("qwen2-160");
        dev.turbo4j.core.model.RandomModelWriter.write(dev.turbo4j.core.model.ModelShape.named("tiny-qwen2"),
                dev.turbo4j.core.tensor.DType.BF16, 1, src);
        assertThatThrownBy(() -> ModelQuantizer.quantize(src, tmp.resolve("q8"), new ModelQuantizer.Options(ModelFormat.TURBO4J_INT8, 0, false)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--w-bits 8: model.layers.0.mlp.down_proj has 160 inputs; the int8 kernel needs every quantized"
                        + " layer's input size to be a multiple of 64, so this model cannot be quantized to int8");
        assertThat(tmp.resolve("q8")).doesNotExist();
    }

    @Test
    void aSourceThatDoesNotLoadIsRefusedBeforeAnythingIsWritten() throws IOException {
        // Both once wrote a folder (exit 0) that then failed to load.
        Path broken = tmp.resolve("broken");
        dev.turbo4j.core.model.RandomModelWriter.write(dev.turbo4j.core.model.ModelShape.named("tiny-llama"),
                dev.turbo4j.core.tensor.DType.BF16, 1, broken);
        Path config = broken.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"intermediate_size\" : 160", "\"intermediate_size\" : 150"));
        assertThatThrownBy(() -> ModelQuantizer.quantize(broken, tmp.resolve("q"), new ModelQuantizer.Options(ModelFormat.TURBO4J_INT8, 0, false)))
                .isInstanceOf(dev.turbo4j.core.model.ModelLoadException.class)
                .hasMessageContaining("mlp.gate_proj.weight").hasMessageContaining("[150, 64]");
        assertThatThrownBy(() -> ModelConverter.convert(broken, tmp.resolve("c"), null))
                .isInstanceOf(dev.turbo4j.core.model.ModelLoadException.class).hasMessageContaining("[150, 64]");
        assertThat(tmp.resolve("q")).doesNotExist();
        assertThat(tmp.resolve("c")).doesNotExist();
    }

    @Test
    void groupSizesTheKernelCannotRunAndAFormatTheFolderDoesNotHoldAreRefused() {
        assertThatThrownBy(() -> ModelQuantizer.quantize(KJV, tmp.resolve("g16"), new ModelQuantizer.Options(ModelFormat.AWQ, 16, false)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--w-group-size 16 does not fit")
                .hasMessageContaining("multiples of 128").hasMessageContaining("here 128");
        assertThat(tmp.resolve("g16")).doesNotExist();
        assertThatThrownBy(() -> ModelConverter.convert(KJV, tmp.resolve("as-awq"), ModelFormat.AWQ))
                .isInstanceOf(dev.turbo4j.core.model.ModelLoadException.class).hasMessageContaining("holds no quantized layers");
        assertThat(tmp.resolve("as-awq")).doesNotExist();
        // Loading it so was silently the dense model.
        assertThatThrownBy(() -> Model.load(KJV, LoadOptions.DEFAULT.withModelFormat(ModelFormat.GPTQ)))
                .isInstanceOf(dev.turbo4j.core.model.ModelLoadException.class)
                .hasMessageEndingWith("read as gptq but it holds no quantized layers (no .qweight tensors); if it is a"
                        + " dense model, leave --model-format out");
        // Turbo4j's own folders are not read as another format (it blamed an "AWQ version 2").
        Path converted = tmp.resolve("awq-converted");
        try {
            ModelConverter.convert(QuantizedGoldenTest.AWQ, converted, null);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertThatThrownBy(() -> QuantizationConfig.read(converted, ModelFormat.AWQ))
                .isInstanceOf(dev.turbo4j.core.model.ModelLoadException.class)
                .hasMessage(converted + " is a turbo4j-int4 folder (written by turbo4j); --model-format awq does not"
                        + " apply to it: leave --model-format out");
    }

    @Test
    void writingIntoTheModelFolderItselfIsRefusedBeforeItsWeightsAreTouched() throws IOException {
        Path model = tmp.resolve("model");
        Files.createDirectories(model);
        try (var files = Files.list(KJV)) {
            for (Path f : files.toList()) {
                Files.copy(f, model.resolve(f.getFileName()));
            }
        }
        Path weights = model.resolve("model.safetensors");
        byte[] before = Files.readAllBytes(weights);
        assertThatThrownBy(() -> ModelConverter.convert(model, model, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another folder");
        assertThatThrownBy(() -> ModelQuantizer.quantize(model, model.resolve("."),
                new ModelQuantizer.Options(ModelFormat.TURBO4J_INT8, 0, true)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another folder");
        assertThat(Files.readAllBytes(weights)).isEqualTo(before);
    }

    @Test
    void convertedAwqAndGptqLoadAsAPureMapWithIdenticalLogits() throws IOException {
        for (Path src : List.of(QuantizedGoldenTest.AWQ, QuantizedGoldenTest.GPTQ)) {
            Path out = tmp.resolve("converted-" + src.getFileName());
            ModelConverter.Summary s = ModelConverter.convert(src, out, null);
            assertThat(s.to()).isEqualTo(ModelFormat.TURBO4J_INT4);
            assertThat(s.layersRepacked()).isEqualTo(14);
            int[] ids = QuantizedGoldenTest.ints(QuantizedGoldenTest.GOLDEN.get("ppl").get("ids"));
            float[] expected;
            try (Model m = Model.load(src)) {
                assertThat(m.repackedBytes()).isPositive();
                expected = ModelRuns.lastLogits(m, ids);
            }
            try (Model m = Model.load(out)) {
                assertThat(m.quantization().format()).isEqualTo(ModelFormat.TURBO4J_INT4);
                assertThat(m.repackedBytes()).isZero();
                assertThat(m.weights().layers().get(0).o()).isInstanceOf(Int4GroupWeight.class);
                // Same weights, same kernels: only the JIT's choice of summation order may differ
                // between the two loads, so allow float rounding but nothing a repacking slip would cause.
                assertThat(ModelRuns.lastLogits(m, ids)).containsExactly(expected, within(1e-4f));
            }
        }
    }

    @Test
    void convertingAnAwqModelWithQkvBiasKeepsTheBias() throws IOException {
        Path awq = tmp.resolve("qwen2-awq");
        ModelQuantizer.quantize(QWEN2, awq, new ModelQuantizer.Options(ModelFormat.AWQ, 128, false));
        Path out = tmp.resolve("qwen2-converted");
        ModelConverter.convert(awq, out, null);
        int[] ids = QuantizedGoldenTest.ints(QuantizedGoldenTest.GOLDEN.get("ppl").get("ids"));
        float[] expected;
        try (Model m = Model.load(awq)) {
            assertThat(m.config().qkvBias()).isTrue();
            expected = ModelRuns.lastLogits(m, ids);
        }
        try (Model m = Model.load(out)) {
            assertThat(ModelRuns.lastLogits(m, ids)).containsExactly(expected, within(1e-4f));
        }
    }
}
