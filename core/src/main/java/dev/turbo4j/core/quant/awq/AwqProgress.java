package dev.turbo4j.core.quant.awq;

/**
 * Progress of an AWQ run, for a progress bar: a run is a few named stages, each of a known
 * number of steps (the layer stage has one step per layer and calibration batch).
 * Called from the thread that runs {@link AutoAwq#run}.
 */
public interface AwqProgress {
    /** Reports nothing. */
    AwqProgress NONE = new AwqProgress() {
        @Override
        public void stageStarted(String name, int steps) {
        }

        @Override
        public void stepDone(String detail) {
        }

        @Override
        public void stageDone() {
        }
    };

    void stageStarted(String name, int steps);

    /** One step done; {@code detail} says where the run is (e.g. "layer 3/6"). */
    void stepDone(String detail);

    void stageDone();

    /** A remark worth showing the user (an adjusted setting, say). */
    default void note(String message) {
    }
}
