package dev.turbo4j.core.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turbo4j.core.model.ModelLoadException;
import dev.turbo4j.core.tensor.DType;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file, memory-mapped whole: an 8-byte little-endian header length, a JSON
 * header {name: {dtype, shape, data_offsets}}, then the tensor bytes. Tensors are slices of
 * the mapping (no heap copies, no 2 GB limit); they stay valid until the arena is closed.
 */
public final class SafetensorsFile {
    /** A tensor named twice is an error, not the last one silently winning. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    /** Headers are small; refuse absurd lengths before allocating (the format's own limit is 100 MB). */
    private static final long MAX_HEADER_BYTES = 100L << 20;

    private final Path path;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Maps and validates a file; the mapping lives as long as {@code arena}. */
    public static SafetensorsFile open(Path path, Arena arena) {
        MemorySegment whole;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw bad(path, "the file is " + size + " bytes, too short for a safetensors header (truncated download?)");
            }
            whole = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (NoSuchFileException e) {
            throw new ModelLoadException(path + ": file not found");
        } catch (IOException e) {
            throw new ModelLoadException(path + ": cannot read: " + e.getMessage(), e);
        }
        long size = whole.byteSize();
        long headerLen = whole.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || 8 + headerLen > size) {
            throw bad(path, "the header length field says " + headerLen + " bytes but the file has " + size
                    + " bytes (corrupt or truncated file)");
        }
        byte[] headerBytes = whole.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
        JsonNode header;
        try {
            header = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8).trim());
        } catch (JsonProcessingException e) {
            throw bad(path, "the JSON header is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (header == null || !header.isObject()) {
            throw bad(path, "the JSON header is not an object");
        }
        long dataStart = 8 + headerLen;
        long dataSize = size - dataStart;
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode node = e.getValue();
            if (name.equals("__metadata__")) {
                node.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            tensors.put(name, parseTensor(path, name, node, whole, dataStart, dataSize));
        }
        requireDisjoint(path, tensors, whole.address() + dataStart);
        return new SafetensorsFile(path, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    /** No two tensors may share bytes (as the reference implementation checks): one would alias the other. */
    private static void requireDisjoint(Path path, Map<String, TensorInfo> tensors, long dataAddress) {
        List<TensorInfo> byOffset = new ArrayList<>(tensors.values());
        byOffset.removeIf(t -> t.data().byteSize() == 0);
        byOffset.sort(Comparator.comparingLong(t -> t.data().address()));
        for (int i = 1; i < byOffset.size(); i++) {
            TensorInfo before = byOffset.get(i - 1);
            TensorInfo next = byOffset.get(i);
            if (next.data().address() < before.data().address() + before.data().byteSize()) {
                throw bad(path, "tensors '" + before.name() + "' and '" + next.name() + "' overlap (bytes from "
                        + (next.data().address() - dataAddress) + "); the file is corrupt");
            }
        }
    }

    private static TensorInfo parseTensor(Path path, String name, JsonNode node, MemorySegment whole,
                                          long dataStart, long dataSize) {
        JsonNode dtypeNode = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offsets = node.get("data_offsets");
        if (dtypeNode == null || shapeNode == null || offsets == null || !shapeNode.isArray()
                || !offsets.isArray() || offsets.size() != 2) {
            throw bad(path, "tensor '" + name + "' lacks dtype, shape or data_offsets in the header");
        }
        DType dtype = DType.fromSafetensors(dtypeNode.asText());
        if (dtype == null) {
            throw bad(path, "tensor '" + name + "' has dtype " + dtypeNode.asText() + ", which Turbo4j cannot read");
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode dim = shapeNode.get(i);
            shape[i] = dim.isIntegralNumber() && dim.canConvertToLong() ? dim.asLong() : -1;
            if (shape[i] < 0) {
                throw bad(path, "tensor '" + name + "' has a dimension " + dim + " that is not a non-negative integer");
            }
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException e) {
                throw bad(path, "tensor '" + name + "' has a shape " + shapeNode + " too large to address");
            }
        }
        long begin = offsets.get(0).asLong(-1);
        long end = offsets.get(1).asLong(-1);
        if (begin < 0 || end < begin || end > dataSize) {
            throw bad(path, "tensor '" + name + "' spans bytes [" + begin + ", " + end + ") but the data section has "
                    + dataSize + " bytes (truncated file?)");
        }
        if (end - begin != elements * dtype.byteSize()) {
            throw bad(path, "tensor '" + name + "' has " + (end - begin) + " bytes but its shape "
                    + java.util.Arrays.toString(shape) + " of " + dtype + " needs " + elements * dtype.byteSize());
        }
        return new TensorInfo(name, dtype, shape, whole.asSlice(dataStart + begin, end - begin));
    }

    private static ModelLoadException bad(Path path, String problem) {
        return new ModelLoadException(path + ": " + problem);
    }

    public Path path() {
        return path;
    }

    /** Tensors by name, in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The header's __metadata__ (string to string). */
    public Map<String, String> metadata() {
        return metadata;
    }
}
