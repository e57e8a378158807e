package dev.turbo4j.core.kernel;

import dev.turbo4j.core.parallel.WorkerPool;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Smoke test of the probes (their figures are checked by eye in the benchmark report). */
class RooflineTest {
    @Test
    void probesReturnPlausibleFigures() {
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThat(Roofline.measureReadBandwidthGBs(pool, 32L << 20, false)).isBetween(0.1, 10_000.0);
            assertThat(Roofline.measurePeakGflops(pool)).isBetween(0.1, 100_000.0);
        }
    }
}
