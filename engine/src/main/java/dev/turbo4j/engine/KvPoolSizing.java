package dev.turbo4j.engine;

import dev.turbo4j.core.kvcache.KvCacheSpec;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How many KV blocks the pool gets, the JVM way. The pool lives off-heap (FFM), so it
 * competes with the OS page cache holding the memory-mapped weights, not with the Java heap:
 *
 * <ol>
 * <li>{@code cache_max_entry_count > 1}: exactly that many blocks.</li>
 * <li>{@code cache_max_gb > 0}: that many GiB of blocks.</li>
 * <li>otherwise {@code cache_max_entry_count × (available − weights − heap headroom)}, where
 * available is the kernel's MemAvailable (/proc/meminfo; else the free physical memory),
 * weights are the mapped weight bytes (they will be paged in), and heap headroom is the
 * heap the JVM may still grow to. This is capped at {@code max_batch_size × session_len}
 * tokens: more would only hold idle sessions, and zeroing it costs start-up time.</li>
 * </ol>
 * The pool always holds at least one full session.
 */
public final class KvPoolSizing {
    private KvPoolSizing() {
    }

    /**
     * The blocks the configuration asks for in so many words ({@code cache_max_entry_count > 1},
     * or {@code cache_max_gb}), before the one-session minimum; -1 when it asks for a fraction of
     * the free memory.
     */
    public static long explicitBlocks(EngineConfig config, KvCacheSpec spec) {
        if (config.cacheMaxEntryCount() > 1) {
            return (long) config.cacheMaxEntryCount();
        }
        if (config.cacheMaxGb() > 0) {
            return (long) (config.cacheMaxGb() * (1L << 30) / spec.bytesPerBlock());
        }
        return -1;
    }

    /** The number of blocks for a pool of {@code spec}'s shape. */
    public static int blocks(EngineConfig config, KvCacheSpec spec, int sessionLen, long weightBytes) {
        long perBlock = spec.bytesPerBlock();
        int minBlocks = (sessionLen + spec.blockSize() - 1) / spec.blockSize();
        long blocks = explicitBlocks(config, spec);
        if (blocks < 0) {
            Runtime rt = Runtime.getRuntime();
            long heapHeadroom = rt.maxMemory() - rt.totalMemory();
            long free = Math.max(0, availableMemory() - weightBytes - heapHeadroom);
            long usefulTokens = (long) config.maxBatchSize() * sessionLen;
            blocks = Math.min((long) (config.cacheMaxEntryCount() * free / perBlock),
                    (usefulTokens + spec.blockSize() - 1) / spec.blockSize());
        }
        return (int) Math.min(Integer.MAX_VALUE, Math.max(minBlocks, blocks));
    }

    /** Bytes the OS can give without swapping. */
    static long availableMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getFreeMemorySize();
        }
        return 4L << 30;
    }
}
