package dev.turbo4j.core.memory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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
    void smallBuffersComeFromTheArena() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = LargePages.allocate(arena, 1000);
            assertThat(s.byteSize()).isEqualTo(1000);
            assertThat(s.address() % 64).isZero();
            assertThat(s.get(ValueLayout.JAVA_INT, 996)).isZero();
        }
    }
}
