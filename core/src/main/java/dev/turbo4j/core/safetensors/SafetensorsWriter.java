package dev.turbo4j.core.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turbo4j.core.tensor.DType;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a safetensors file. Tensors are added with their bytes (little-endian) and written
 * in the order added; the header is padded with spaces to a multiple of 8 bytes, as the
 * reference writer does, so the data section is aligned.
 */
public final class SafetensorsWriter {
    /** Bytes of one tensor, produced when the file is written (so large tensors need not be held together). */
    @FunctionalInterface
    public interface TensorBytes {
        void writeTo(OutputStream out) throws IOException;
    }

    private record Entry(String name, DType dtype, long[] shape, long byteSize, TensorBytes bytes) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds a tensor whose bytes are produced on write; byteSize must match dtype × shape. */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, TensorBytes bytes) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        entries.add(new Entry(name, dtype, shape.clone(), n * dtype.byteSize(), bytes));
        return this;
    }

    /** Adds an F32/BF16/F16 tensor from float values, converting to dtype. */
    public SafetensorsWriter addFloats(String name, DType dtype, long[] shape, float[] values) {
        return add(name, dtype, shape, out -> out.write(encodeFloats(values, dtype)));
    }

    /** Adds an I32 tensor. */
    public SafetensorsWriter addInts(String name, long[] shape, int[] values) {
        return add(name, DType.I32, shape, out -> {
            ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asIntBuffer().put(values);
            out.write(b.array());
        });
    }

    /** Float values in a dtype's little-endian bytes. */
    public static byte[] encodeFloats(float[] values, DType dtype) {
        ByteBuffer b = ByteBuffer.allocate(values.length * dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            switch (dtype) {
                case F32 -> b.putFloat(v);
                case BF16 -> b.putShort(dev.turbo4j.core.tensor.Float16.floatToBf16(v));
                case F16 -> b.putShort(Float.floatToFloat16(v));
                default -> throw new IllegalArgumentException("not a float dtype: " + dtype);
            }
        }
        return b.array();
    }

    public void write(Path path) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", e.dtype().name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape()) {
                shape.add(d);
            }
            ArrayNode offs = t.putArray("data_offsets");
            offs.add(offset);
            offs.add(offset + e.byteSize());
            offset += e.byteSize();
        }
        StringBuilder headerText = new StringBuilder(json.writeValueAsString(header));
        while (headerText.toString().getBytes(StandardCharsets.UTF_8).length % 8 != 0) {
            headerText.append(' ');
        }
        byte[] headerBytes = headerText.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(path), 1 << 20)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerBytes.length);
            out.write(len.array());
            out.write(headerBytes);
            for (Entry e : entries) {
                CountingStream counted = new CountingStream(out);
                e.bytes().writeTo(counted);
                if (counted.count != e.byteSize()) {
                    throw new IOException("tensor " + e.name() + " wrote " + counted.count + " bytes, expected " + e.byteSize());
                }
            }
        }
    }

    private static final class CountingStream extends OutputStream {
        private final OutputStream out;
        private long count;

        CountingStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
