package dev.turbo4j.core.memory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LargePagesTest {
    @Test
    void largeBuffersAreZeroedWritableAlignedAndFreedWithTheArena() {
        long bytes = 3 * LargePages.PAGE_BYTES + 12_344;
        Arena arena = Arena.ofShared();
        MemorySegment s = LargePages.allocate(arena, bytes);
        assertThat(s.byteSize()).isEqualTo(bytes);
        assertThat(s.address() % 64).isZero();
        if (LargePages.available()) {
            assertThat(s.address() % LargePages.PAGE_BYTES).as("huge-page aligned").isZero();
        }
        for (long at = 0; at < bytes; at += 4096) {
            assertThat(s.get(ValueLayout.JAVA_BYTE, at)).isZero();
        }
        s.set(ValueLayout.JAVA_LONG, bytes - 8, 0x1234_5678_9abc_def0L);
        assertThat(s.get(ValueLayout.JAVA_LONG, bytes - 8)).isEqualTo(0x1234_5678_9abc_def0L);
        arena.close();
        assertThatThrownBy(() -> s.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aReleasedFileMappingStillReadsTheFile(@TempDir Path tmp) throws Exception {
        byte[] bytes = new byte[5 * 4096 + 123];
        new Random(7).nextBytes(bytes);
        Path file = Files.write(tmp.resolve("weights.bin"), bytes);
        try (Arena arena = Arena.ofConfined();
             FileChannel ch = FileChannel.open(file)) {
            MemorySegment whole = ch.map(FileChannel.MapMode.READ_ONLY, 0, bytes.length, arena);
            MemorySegment tensor = whole.asSlice(100, bytes.length - 200);
            byte[] before = tensor.toArray(ValueLayout.JAVA_BYTE);
            LargePages.releaseCopied(tensor);
            // The pages leave the process, not the file: reading maps them again.
            assertThat(tensor.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(before);
            assertThat(whole.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(bytes);
        }
    }

    @Test
    void smallBuffersComeFromTheArena() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = LargePages.allocate(arena, 1000);
            assertThat(s.byteSize()).isEqualTo(1000);
            assertThat(s.address() % 64).isZero();
            assertThat(s.get(ValueLayout.JAVA_INT, 996)).isZero();
        }
    }
}
