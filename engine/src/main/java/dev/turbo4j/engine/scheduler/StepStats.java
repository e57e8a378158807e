package dev.turbo4j.engine.scheduler;

/**
 * Counters of the engine loop, written by the engine thread, read by anyone (values may lag
 * by a step). Overhead = step time outside the forward pass: scheduling, sampling, streaming.
 */
public final class StepStats {
    volatile long steps;
    volatile long tokensComputed;
    volatile long generatedTokens;
    volatile long forwardNanos;
    volatile long stepNanos;
    volatile long preemptions;
    volatile long prefixHitTokens;
    volatile int lastBatchSize;

    void record(int batchSize, int tokens, long forward, long step) {
        steps++;
        tokensComputed += tokens;
        forwardNanos += forward;
        stepNanos += step;
        lastBatchSize = batchSize;
    }

    public long steps() {
        return steps;
    }

    public long tokensComputed() {
        return tokensComputed;
    }

    public long generatedTokens() {
        return generatedTokens;
    }

    public long forwardNanos() {
        return forwardNanos;
    }

    public long stepNanos() {
        return stepNanos;
    }

    public long preemptions() {
        return preemptions;
    }

    public long prefixHitTokens() {
        return prefixHitTokens;
    }

    /** Share of step time spent outside the forward pass. */
    public double overheadFraction() {
        long step = stepNanos;
        return step == 0 ? 0 : 1.0 - (double) forwardNanos / step;
    }
}
