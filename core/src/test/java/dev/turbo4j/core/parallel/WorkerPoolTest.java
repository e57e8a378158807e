package dev.turbo4j.core.parallel;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkerPoolTest {

    @Test
    void everyIndexRunsExactlyOnceAcrossManyCalls() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int n : new int[] {1, 2, 5, 16, 17, 1000}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                for (int rep = 0; rep < 50; rep++) {
                    pool.parallelFor(n, (s, e) -> {
                        for (int i = s; i < e; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                }
                for (int i = 0; i < n; i++) {
                    assertThat(hits.get(i)).as("index %d of %d", i, n).isEqualTo(50);
                }
            }
        }
    }

    @Test
    void partsFallOnAlignmentBoundaries() {
        try (WorkerPool pool = new WorkerPool(2)) {
            int[] starts = new int[2];
            pool.parallelFor(100, 16, (s, e) -> starts[s == 0 ? 0 : 1] = s);
            assertThat(starts[1] % 16).isZero();
            assertThat(starts[1]).isPositive();
        }
    }

    @Test
    void workerFailureReachesTheCaller() {
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThatThrownBy(() -> pool.parallelFor(10, (s, e) -> {
                if (s > 0) {
                    throw new IllegalStateException("boom");
                }
            })).hasMessage("boom");
            // the pool still works afterwards
            int[] sum = new int[1];
            pool.parallelFor(1, (s, e) -> sum[0] += e - s);
            assertThat(sum[0]).isEqualTo(1);
        }
    }
}
