package dev.turbo4j.core.quant.awq;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turbo4j.core.kernel.LinearWeight;
import dev.turbo4j.core.model.ModelConfig;
import dev.turbo4j.core.model.ModelWeights;
import dev.turbo4j.core.safetensors.SafetensorsWriter;
import dev.turbo4j.core.tensor.DType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Writes a Hugging Face folder that AutoAWQ (and vLLM, LMDeploy, transformers) load as an AWQ
 * "gemm" checkpoint: config.json with a quantization_config, model.safetensors with each
 * linear's qweight / qzeros / scales ({@link AwqGemmPacking}) and every other tensor
 * (embeddings, norms, lm_head, biases) in F16, plus the source's tokenizer and generation files.
 */
public final class AwqCheckpointWriter {
    /** Files copied unchanged from the source folder (tokenizers, generation defaults, templates). */
    private static final Set<String> COPIED = Set.of("generation_config.json", "tokenizer.json", "tokenizer.model",
            "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "vocab.json", "merges.txt",
            "chat_template.json", "chat_template.jinja");

    private final ModelConfig config;
    private final CheckpointLayout layout;
    private final AwqOptions options;

    public AwqCheckpointWriter(ModelConfig config, AwqOptions options) {
        this.config = config;
        this.layout = new CheckpointLayout(config);
        this.options = options;
    }

    /**
     * Writes {@code out} (created if missing; files of the same names are replaced) from the
     * source folder {@code source}, the source's unquantized weights and the quantized layers.
     */
    public void write(Path source, Path out, ModelWeights original, List<QuantizedLayer> layers) throws IOException {
        Files.createDirectories(out);
        SafetensorsWriter st = new SafetensorsWriter().metadata("format", "pt");
        addF16(st, layout.embedding(), original.embedding());
        for (int i = 0; i < layers.size(); i++) {
            addLayer(st, i, layers.get(i));
        }
        addF16(st, layout.finalNorm(), original.finalNorm());
        if (!config.tieWordEmbeddings()) {
            addF16(st, layout.lmHead(), original.lmHead());
        }
        st.write(out.resolve("model.safetensors"));
        writeConfig(source.resolve("config.json"), out.resolve("config.json"));
        copyTokenizerFiles(source, out);
    }

    private void addLayer(SafetensorsWriter st, int i, QuantizedLayer layer) {
        addF16(st, layout.attentionNorm(i), layer.attentionNorm());
        addLinears(st, layout.qkv(i), layer.qkv(), layer.qkvBias());
        addLinears(st, List.of(layout.o(i)), layer.o(), layer.oBias());
        addF16(st, layout.mlpNorm(i), layer.mlpNorm());
        addLinears(st, layout.gateUp(i), layer.gateUp(), null);
        addLinears(st, List.of(layout.down(i)), layer.down(), null);
    }

    private static void addLinears(SafetensorsWriter st, List<CheckpointLayout.Part> parts, QuantizedLinear stacked,
                                   float[] stackedBias) {
        for (CheckpointLayout.Part p : parts) {
            AwqGemmPacking.Tensors t = AwqGemmPacking.pack(stacked.rowSlice(p.rowStart(), p.rowEnd()));
            st.addInts(p.name() + ".qweight", t.qweightShape(), t.qweight());
            st.addInts(p.name() + ".qzeros", t.qzerosShape(), t.qzeros());
            st.add(p.name() + ".scales", DType.F16, t.scalesShape(), o -> o.write(littleEndian(t.scales())));
            if (stackedBias != null) {
                float[] bias = Arrays.copyOfRange(stackedBias, p.rowStart(), p.rowEnd());
                st.addFloats(p.name() + ".bias", DType.F16, new long[] {bias.length}, bias);
            }
        }
    }

    private static void addF16(SafetensorsWriter st, String name, float[] vector) {
        st.addFloats(name, DType.F16, new long[] {vector.length}, vector);
    }

    /** A float matrix in F16, converted row by row while the file is written. */
    private static void addF16(SafetensorsWriter st, String name, LinearWeight w) {
        int rows = w.outFeatures();
        int cols = w.inFeatures();
        st.add(name, DType.F16, new long[] {rows, cols}, o -> {
            float[] row = new float[cols];
            for (int r = 0; r < rows; r++) {
                w.readRow(r, row, 0);
                o.write(SafetensorsWriter.encodeFloats(row, DType.F16));
            }
        });
    }

    private static byte[] littleEndian(short[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(values);
        return b.array();
    }

    /** The source config.json with AutoAWQ's quantization_config and torch_dtype float16. */
    private void writeConfig(Path sourceConfig, Path target) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(sourceConfig.toFile());
        root.put("torch_dtype", "float16");
        ObjectNode q = root.putObject("quantization_config");
        q.put("quant_method", "awq");
        q.put("version", "gemm");
        q.put("bits", options.wBits());
        q.put("group_size", options.groupSize());
        q.put("zero_point", !options.symmetric());
        q.putNull("modules_to_not_convert");
        json.writerWithDefaultPrettyPrinter().writeValue(target.toFile(), root);
    }

    private static void copyTokenizerFiles(Path source, Path out) throws IOException {
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = f.getFileName().toString();
                if (COPIED.contains(name) || name.endsWith(".tiktoken")) {
                    Files.copy(f, out.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
