package dev.turbo4j.core.quant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turbo4j.core.kernel.Int4GroupWeight;
import dev.turbo4j.core.model.TensorParallel;
import dev.turbo4j.core.safetensors.SafetensorsWriter;
import dev.turbo4j.core.safetensors.TensorInfo;
import dev.turbo4j.core.tensor.DType;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Writing a model folder derived from another (by {@code lite quantize} and {@code convert}):
 * the tensors in each of our formats, the config.json with its quantization_config, and the
 * other files (tokenizer, generation config, chat template) copied unchanged.
 */
public final class CheckpointWriter {
    private static final int COPY_CHUNK = 1 << 20;
    /** What every writer writes itself, whatever the source holds. */
    private static final List<String> WRITTEN = List.of("model.safetensors", "config.json");

    private static boolean isWeights(String fileName) {
        return fileName.endsWith(".safetensors") || fileName.equals("model.safetensors.index.json");
    }

    private CheckpointWriter() {
    }

    /**
     * Refuses an output folder the writers would spoil or that would spoil their output: the
     * model folder itself (its weights are memory-mapped while the output is written, which
     * would truncate them mid-read), a file, or a folder holding files the source lacks (another
     * model's shards, index, tokenizer or chat template), which loading would pick up with or
     * instead of the new ones. A previous run's own output holds only the source's files, the
     * weights and config.json: it is fine.
     */
    public static void requireOtherFolder(Path src, Path dst) throws IOException {
        if (dst.toString().isBlank()) {
            throw new IllegalArgumentException("the output folder is empty; name a new or empty folder");
        }
        if (Files.exists(dst) && !Files.isDirectory(dst)) {
            throw new IllegalArgumentException(dst + " is a file; name a new or empty folder for the output");
        }
        if (Files.exists(dst) && Files.isSameFile(src, dst)) {
            throw new IllegalArgumentException(dst + " is the model folder itself; write to another folder"
                    + " (the model's weights are read from there while the output is written)");
        }
        if (Files.isDirectory(dst)) {
            try (Stream<Path> files = Files.list(dst)) {
                List<String> stale = files.map(f -> f.getFileName().toString())
                        .filter(n -> !WRITTEN.contains(n) && (isWeights(n) || !Files.exists(src.resolve(n))))
                        .sorted().toList();
                if (!stale.isEmpty()) {
                    throw new IllegalArgumentException(dst + " already holds files that are not this model's ("
                            + String.join(", ", stale) + "); they would be loaded with or instead of the new ones;"
                            + " use a new or empty folder, or delete them");
                }
            }
        }
    }

    /** Copies every file of src except weights and configs, which the writer produces. */
    static void copyOtherFiles(Path src, Path dst) throws IOException {
        Files.createDirectories(dst);
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = f.getFileName().toString();
                if (isWeights(name) || name.equals("config.json") || name.equals("quantize_config.json")) {
                    continue;
                }
                Files.copy(f, dst.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /**
     * src's config.json with quantization_config replaced (or removed when null), the tie flag
     * set (unless null) and the tensor-parallel rank count recorded.
     */
    static void writeConfig(Path src, Path dst, ObjectNode quantization, Boolean tieWordEmbeddings, int tp)
            throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode config = (ObjectNode) json.readTree(src.resolve("config.json").toFile());
        config.remove("quantization_config");
        if (quantization != null) {
            config.set("quantization_config", quantization);
        }
        if (tieWordEmbeddings != null) {
            config.put("tie_word_embeddings", tieWordEmbeddings);
        }
        TensorParallel.record(config, tp);
        json.writeValue(dst.resolve("config.json").toFile(), config);
    }

    static ObjectNode quantizationNode(ModelFormat format, int bits, int groupSize) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("quant_method", format.id());
        n.put("bits", bits);
        if (groupSize > 0) {
            n.put("group_size", groupSize);
        }
        if (format == ModelFormat.TURBO4J_INT4) {
            n.put("version", String.valueOf(Int4GroupWeight.LAYOUT_VERSION));
        }
        return n;
    }

    /** The tensor copied byte for byte. */
    static void copy(SafetensorsWriter w, TensorInfo t) {
        w.add(t.name(), t.dtype(), t.shape(), out -> write(out, t.data()));
    }

    /**
     * A block of a row-major matrix of dtype elements with {@code matrixCols} columns, written
     * as a tensor of the given shape (the block's rows one after another).
     */
    static void addBlock(SafetensorsWriter w, String name, DType dtype, long[] shape, MemorySegment matrix, int matrixCols,
                         TensorParallel.Block block) {
        long rowBytes = (long) matrixCols * dtype.byteSize();
        long blockRowBytes = (long) block.cols() * dtype.byteSize();
        w.add(name, dtype, shape, out -> {
            for (int r = block.rowStart(); r < block.rowStart() + block.rows(); r++) {
                write(out, matrix.asSlice(r * rowBytes + (long) block.colStart() * dtype.byteSize(), blockRowBytes));
            }
        });
    }

    /**
     * Our int4 layout: qweight U8 [rows, cols/2] (nibble-128, 4-row tiles), scales F16 and qzeros
     * U8 [rows, cols/G]; rows rounded up to whole tiles.
     */
    static void addInt4(SafetensorsWriter w, String base, Once<Int4GroupWeight> weight, int rows, int cols, int groupSize) {
        long groups = cols / groupSize;
        rows = Int4GroupWeight.paddedRows(rows);
        w.add(base + ".qweight", DType.U8, new long[] {rows, cols / 2}, out -> write(out, weight.get().packed()));
        w.add(base + ".scales", DType.F16, new long[] {rows, groups}, out -> write(out, weight.get().scales()));
        w.add(base + ".qzeros", DType.U8, new long[] {rows, groups}, out -> {
            write(out, weight.get().zeros());
            weight.release();
        });
    }

    /** Our int8 layout: qweight I8 [rows, cols], scales F32 [rows]. */
    static void addInt8(SafetensorsWriter w, String base, Once<Int8ChannelQuantizer.Result> weight, int rows, int cols) {
        w.add(base + ".qweight", DType.I8, new long[] {rows, cols}, out -> out.write(weight.get().q()));
        w.add(base + ".scales", DType.F32, new long[] {rows}, out -> {
            float[] s = weight.get().scales();
            ByteBuffer b = ByteBuffer.allocate(s.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(s);
            out.write(b.array());
            weight.release();
        });
    }

    /** AutoAWQ gemm tensors: qweight, qzeros I32 and scales F16. */
    static void addAwq(SafetensorsWriter w, String base, Once<AwqGemmPacker.Packed> packed, int rows, int cols, int groupSize) {
        int groups = cols / groupSize;
        w.add(base + ".qweight", DType.I32, new long[] {cols, rows / 8}, out -> writeInts(out, packed.get().qweight()));
        w.add(base + ".qzeros", DType.I32, new long[] {groups, rows / 8}, out -> writeInts(out, packed.get().qzeros()));
        w.add(base + ".scales", DType.F16, new long[] {groups, rows}, out -> {
            short[] s = packed.get().scales();
            ByteBuffer b = ByteBuffer.allocate(s.length * 2).order(ByteOrder.LITTLE_ENDIAN);
            b.asShortBuffer().put(s);
            out.write(b.array());
            packed.release();
        });
    }

    private static void writeInts(OutputStream out, int[] values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        out.write(b.array());
    }

    private static void write(OutputStream out, MemorySegment data) throws IOException {
        for (long off = 0; off < data.byteSize(); off += COPY_CHUNK) {
            long len = Math.min(COPY_CHUNK, data.byteSize() - off);
            out.write(data.asSlice(off, len).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    /**
     * A value computed on first use and kept until {@link #release}: one layer's quantization
     * feeds several tensors written one after another, and is dropped once they are out.
     */
    static final class Once<T> implements Supplier<T> {
        private final Supplier<T> compute;
        private T value;

        Once(Supplier<T> compute) {
            this.compute = compute;
        }

        @Override
        public synchronized T get() {
            if (value == null) {
                value = compute.get();
            }
            return value;
        }

        synchronized void release() {
            value = null;
        }
    }
}
