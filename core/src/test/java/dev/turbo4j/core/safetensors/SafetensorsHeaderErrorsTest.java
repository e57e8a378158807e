package dev.turbo4j.core.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.turbo4j.core.model.ModelLoadException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Headers the format forbids are refused with the tensor named, as the reference implementation refuses them. */
class SafetensorsHeaderErrorsTest {
    @TempDir
    Path dir;

    /** A file with this header and {@code dataBytes} zero bytes of data. */
    private Path file(String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        return Files.write(dir.resolve("model.safetensors"), b.array());
    }

    private void assertRefused(String header, int dataBytes, String message) throws IOException {
        Path f = file(header, dataBytes);
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> SafetensorsFile.open(f, arena)).isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining("model.safetensors").hasMessageContaining(message);
        }
    }

    @Test
    void aValidHeaderOpens() throws IOException {
        Path f = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]}}", 8);
        try (Arena arena = Arena.ofConfined()) {
            assertThat(SafetensorsFile.open(f, arena).tensors()).containsOnlyKeys("a", "b");
        }
    }

    @Test
    void overlappingTensorsAreRefused() throws IOException {
        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "tensors 'a' and 'b' overlap");
    }

    @Test
    void aTensorNamedTwiceIsRefused() throws IOException {
        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "Duplicate field 'a'");
    }

    @Test
    void dimensionsMustBeIntegersWhoseProductFits() throws IOException {
        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4,
                "tensor 'a' has a dimension 1.5 that is not a non-negative integer");
        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}}", 4,
                "tensor 'a' has a dimension \"1\" that is not a non-negative integer");
        // 2^32 * 2^32 elements wrapped to 0, which matched an empty data range
        assertRefused("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}", 0,
                "tensor 'a' has a shape [4294967296,4294967296] too large to address");
    }

    @Test
    void anIndexMayNameOnlyFilesOfTheFolder() throws IOException {
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"a\": \"../outside.safetensors\"}}");
        assertThatThrownBy(() -> TensorStore.open(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("shard \"../outside.safetensors\" is not a file name in the model folder");
    }

    @Test
    void hiddenFilesAreNotWeights() throws IOException {
        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        Files.move(dir.resolve("model.safetensors"), dir.resolve("weights.safetensors"));
        Files.writeString(dir.resolve("._weights.safetensors"), "macOS metadata, not safetensors");
        try (TensorStore store = TensorStore.open(dir)) {
            assertThat(store.tensors()).containsOnlyKeys("a");
        }
    }
}
