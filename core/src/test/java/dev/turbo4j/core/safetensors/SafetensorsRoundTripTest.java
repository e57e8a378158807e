package dev.turbo4j.core.safetensors;

import dev.turbo4j.core.tensor.DType;
import dev.turbo4j.core.tensor.Float16;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class SafetensorsRoundTripTest {
    @TempDir
    Path tmp;

    @Test
    void writtenTensorsReadBackWithShapesDtypesAndValues() throws IOException {
        Path f = tmp.resolve("t.safetensors");
        new SafetensorsWriter().metadata("format", "pt")
                .addFloats("a", DType.F32, new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, -6.5f})
                .addFloats("b", DType.BF16, new long[] {3}, new float[] {1f, -2f, 0.15625f})
                .addFloats("c", DType.F16, new long[] {2}, new float[] {0.5f, 65504f})
                .addInts("d", new long[] {2}, new int[] {7, -1})
                .write(f);
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile file = SafetensorsFile.open(f, arena);
            assertThat(file.metadata()).containsEntry("format", "pt");
            assertThat(file.tensors().keySet()).containsExactly("a", "b", "c", "d");
            TensorInfo a = file.tensors().get("a");
            assertThat(a.shape()).containsExactly(2, 3);
            assertThat(a.data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED)).containsExactly(1, 2, 3, 4, 5, -6.5f);
            short[] b = file.tensors().get("b").data().toArray(ValueLayout.JAVA_SHORT_UNALIGNED);
            assertThat(Float16.bf16ToFloat(b[1])).isEqualTo(-2f);
            assertThat(Float16.bf16ToFloat(b[2])).isEqualTo(0.15625f);
            short[] c = file.tensors().get("c").data().toArray(ValueLayout.JAVA_SHORT_UNALIGNED);
            assertThat(Float16.f16ToFloat(c[1])).isEqualTo(65504f);
            assertThat(file.tensors().get("d").data().toArray(ValueLayout.JAVA_INT_UNALIGNED)).containsExactly(7, -1);
            // data section starts 8-aligned, as the reference writer pads the header
            long headerLen = java.nio.ByteBuffer.wrap(Files.readAllBytes(f), 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            assertThat(headerLen % 8).isZero();
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        // 1 + 2^-8 is halfway between two bf16 values: ties to even (1.0)
        assertThat(Float16.bf16ToFloat(Float16.floatToBf16(1f + 1f / 256))).isEqualTo(1f);
        assertThat(Float16.bf16ToFloat(Float16.floatToBf16(1f + 3f / 256))).isEqualTo(1f + 4f / 256);
    }
}
