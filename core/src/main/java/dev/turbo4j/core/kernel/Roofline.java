package dev.turbo4j.core.kernel;

import dev.turbo4j.core.memory.LargePages;
import dev.turbo4j.core.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Probes of this machine's two roofline limits, as measured by the JVM itself: the memory
 * read bandwidth that bounds decode (every weight byte read once per token) and the peak
 * F32 FMA rate that bounds prefill. Benchmarks report kernel speeds as ratios of these.
 *
 * <p>Both run on every thread of the given pool at the kernels' vector width and take the
 * best of a few short rounds; each takes on the order of a second.
 */
public final class Roofline {
    /**
     * Read buffer size: over twice the largest last-level cache seen so far (a VM reporting
     * 480 MiB, whose reads reach DRAM speed from 256 MiB on), yet quick to fault in.
     */
    public static final long DEFAULT_READ_BYTES = 1L << 30;

    private static final VectorSpecies<Integer> INT = SimdSpecies.INT;
    private static final VectorSpecies<Float> FLOAT = SimdSpecies.FLOAT;
    private static final long CHUNK_BYTES = 1 << 20;
    private static final int READ_ROUNDS = 3;
    private static final int FMA_ROUNDS = 5;
    private static final long FMA_ITERATIONS = 20_000_000L;
    /** Independent FMA chains per thread: enough to cover latency × FMA ports (4 × 2). */
    private static final int FMA_CHAINS = 12;

    private static volatile long sink;

    private Roofline() {
    }

    /** Streaming read bandwidth, in GB/s (10^9 bytes), over a {@value #DEFAULT_READ_BYTES}-byte buffer on 4 KiB pages. */
    public static double measureReadBandwidthGBs(WorkerPool pool) {
        return measureReadBandwidthGBs(pool, DEFAULT_READ_BYTES, false);
    }

    /**
     * Streaming read bandwidth, in GB/s, reading an off-heap buffer of {@code bufferBytes}
     * split across the pool's threads; the best of {@value #READ_ROUNDS} rounds. With
     * {@code largePages} the buffer is allocated like the weights that live on huge pages
     * ({@link LargePages}), which reads faster than 4 KiB pages: a kernel is compared with
     * the memory it actually reads.
     */
    public static double measureReadBandwidthGBs(WorkerPool pool, long bufferBytes, boolean largePages) {
        int chunks = (int) Math.max(1, bufferBytes / CHUNK_BYTES);
        try (Arena arena = Arena.ofShared()) {
            long bytes = chunks * CHUNK_BYTES;
            MemorySegment buffer = largePages ? LargePages.allocate(arena, bytes) : arena.allocate(bytes, 4096);
            // Touch every page first (in parallel, so each thread's pages are local to it).
            pool.parallelFor(chunks, (start, end) ->
                    buffer.asSlice(start * CHUNK_BYTES, (end - start) * CHUNK_BYTES).fill((byte) 1));
            // Compile the read loop before timing it.
            for (int i = 0; i < 50; i++) {
                sink += sumInts(buffer, 0, CHUNK_BYTES);
            }
            double best = 0;
            for (int round = 0; round < READ_ROUNDS; round++) {
                long begin = System.nanoTime();
                pool.parallelFor(chunks, (start, end) -> {
                    long sum = 0;
                    for (long chunk = start; chunk < end; chunk++) {
                        sum += sumInts(buffer, chunk * CHUNK_BYTES, (chunk + 1) * CHUNK_BYTES);
                    }
                    sink += sum;
                });
                long elapsed = System.nanoTime() - begin;
                best = Math.max(best, (double) chunks * CHUNK_BYTES / elapsed);
            }
            return best;
        }
    }

    /** Peak F32 FMA rate of the pool's threads, in GFLOP/s (an FMA counts as 2 FLOPs). */
    public static double measurePeakGflops(WorkerPool pool) {
        int threads = pool.threads();
        for (int i = 0; i < 20; i++) {
            sink += (long) fmaLoop(FMA_ITERATIONS / 1000); // compile the loop before timing it
        }
        double best = 0;
        for (int round = 0; round < FMA_ROUNDS; round++) {
            long begin = System.nanoTime();
            pool.parallelFor(threads, (start, end) -> {
                for (int i = start; i < end; i++) {
                    sink += (long) fmaLoop(FMA_ITERATIONS);
                }
            });
            long elapsed = System.nanoTime() - begin;
            double flops = 2.0 * FMA_CHAINS * FLOAT.length() * FMA_ITERATIONS * threads;
            best = Math.max(best, flops / elapsed);
        }
        return best;
    }

    /**
     * Sums the ints of [from, to) as four streams read side by side (its quarters), like a
     * kernel reading four weight rows: one stream per thread leaves bandwidth unused.
     */
    private static long sumInts(MemorySegment buffer, long from, long to) {
        IntVector a0 = IntVector.zero(INT), a1 = IntVector.zero(INT), a2 = IntVector.zero(INT), a3 = IntVector.zero(INT);
        long step = INT.vectorByteSize();
        long quarter = (to - from) / 4 / step * step;
        long s1 = from + quarter;
        long s2 = s1 + quarter;
        long s3 = s2 + quarter;
        for (long at = 0; at < quarter; at += step) {
            a0 = a0.add(IntVector.fromMemorySegment(INT, buffer, from + at, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(IntVector.fromMemorySegment(INT, buffer, s1 + at, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(IntVector.fromMemorySegment(INT, buffer, s2 + at, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(IntVector.fromMemorySegment(INT, buffer, s3 + at, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }

    /** FMA_CHAINS dependent FMA chains, iterations long, that settle on a finite value. */
    private static float fmaLoop(long iterations) {
        FloatVector m = FloatVector.broadcast(FLOAT, 0.999999f);
        FloatVector c = FloatVector.broadcast(FLOAT, 1e-6f);
        FloatVector a0 = FloatVector.broadcast(FLOAT, 0.1f), a1 = FloatVector.broadcast(FLOAT, 0.2f);
        FloatVector a2 = FloatVector.broadcast(FLOAT, 0.3f), a3 = FloatVector.broadcast(FLOAT, 0.4f);
        FloatVector a4 = FloatVector.broadcast(FLOAT, 0.5f), a5 = FloatVector.broadcast(FLOAT, 0.6f);
        FloatVector a6 = FloatVector.broadcast(FLOAT, 0.7f), a7 = FloatVector.broadcast(FLOAT, 0.8f);
        FloatVector a8 = FloatVector.broadcast(FLOAT, 0.9f), a9 = FloatVector.broadcast(FLOAT, 1.0f);
        FloatVector a10 = FloatVector.broadcast(FLOAT, 1.1f), a11 = FloatVector.broadcast(FLOAT, 1.2f);
        for (long i = 0; i < iterations; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }
}
