package dev.turbo4j.engine;

/**
 * A snapshot of the engine for metrics and the web UI's pool picture.
 *
 * @param blockStates        per block: 'F' free, 'A' active, 'C' cached
 * @param forwardNanos       time spent in forward passes, in total
 * @param stepNanos          time spent in engine steps, in total
 * @param overheadFraction   share of step time outside the forward pass (scheduling, sampling, streaming)
 */
public record EngineStats(int running, int waiting, int sessions, int totalBlocks, int freeBlocks, int activeBlocks,
                          int cachedBlocks, int blockSize, long steps, long generatedTokens, long tokensComputed,
                          long preemptions, long prefixHitTokens, long forwardNanos, long stepNanos, double overheadFraction,
                          String blockStates) {
}
