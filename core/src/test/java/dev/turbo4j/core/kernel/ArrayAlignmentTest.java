package dev.turbo4j.core.kernel;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

class ArrayAlignmentTest {
    @Test
    void firstAlignedElementFollowsTheArrayHeader() {
        // Default headers: 8-byte mark word, 4-byte class pointer, 4-byte length -> data at byte 16.
        assertThat(ArrayAlignment.floatStart(64, false, true)).isEqualTo(12);
        assertThat(ArrayAlignment.floatStart(128, false, true)).isEqualTo(12);
        // Compact headers fold the class pointer into the mark word: data at byte 12.
        assertThat(ArrayAlignment.floatStart(64, true, true)).isEqualTo(13);
        // Full class pointers: data at byte 20.
        assertThat(ArrayAlignment.floatStart(64, false, false)).isEqualTo(11);
    }

    @Test
    void noAlignedElementUnlessObjectsAreCacheLineAligned() {
        assertThat(ArrayAlignment.floatStart(8, false, true)).isZero();
        assertThat(ArrayAlignment.floatStart(32, false, true)).isZero();
    }

    @Test
    void readsThisJvmsObjectAlignment() {
        // The build runs the tests as the launcher runs turbo4j, with 64-byte object alignment.
        boolean aligned = ManagementFactory.getRuntimeMXBean().getInputArguments()
                .contains("-XX:ObjectAlignmentInBytes=64");
        assertThat(ArrayAlignment.FLOAT_START).isEqualTo(aligned ? 12 : 0);
    }
}
