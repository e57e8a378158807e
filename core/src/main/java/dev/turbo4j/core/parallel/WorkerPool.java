package dev.turbo4j.core.parallel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent pool of platform threads for the compute inside one forward step.
 *
 * <p>{@link #parallelFor} splits [0, n) statically into one contiguous part per thread (the
 * calling thread takes part 0) and returns when all parts are done. Workers spin briefly on
 * a generation counter before parking, so the back-to-back calls of a forward pass cost
 * microseconds, not a wake-up each. Not reentrant: one caller at a time (the engine thread).
 */
public final class WorkerPool implements AutoCloseable {
    private static final int SPIN_ITERATIONS = 20_000;

    private final int threads;
    private final Thread[] workers;
    private volatile int generation;
    private volatile boolean closed;
    /** Set when the owner has no work coming: spinning workers park at once and free their cores. */
    private volatile boolean resting;
    private volatile RangeTask task;
    private volatile int taskSize;
    private volatile int taskAlignment;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Thread caller;
    private volatile Throwable failure;

    /** A pool of {@code threads} compute threads, the caller counting as one. */
    public WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int part = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("turbo4j-compute-" + part).unstarted(() -> workLoop(part));
            workers[i].start();
        }
    }

    /** Number of threads that share each parallelFor, the caller included. */
    public int threads() {
        return threads;
    }

    /** Runs task over [0, n) split across the pool; blocks until every part is done. */
    public void parallelFor(int n, RangeTask task) {
        parallelFor(n, 1, task);
    }

    /**
     * Like {@link #parallelFor(int, RangeTask)}, but part boundaries fall on multiples of
     * {@code alignment} (except the end), so SIMD or tiled kernels get whole tiles.
     */
    public void parallelFor(int n, int alignment, RangeTask task) {
        if (n <= 0) {
            return;
        }
        if (threads == 1 || n <= alignment) {
            task.run(0, n);
            return;
        }
        this.task = task;
        this.taskSize = n;
        this.taskAlignment = alignment;
        this.failure = null;
        this.caller = Thread.currentThread();
        this.resting = false;
        pending.set(workers.length);
        generation++; // publishes the fields above
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        Throwable own = null;
        try {
            runPart(0);
        } catch (Throwable t) {
            own = t;
        }
        int spins = 0;
        while (pending.get() > 0) {
            if (spins++ < SPIN_ITERATIONS) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
        this.task = null;
        Throwable t = own != null ? own : failure;
        if (t instanceof RuntimeException re) {
            throw re;
        } else if (t instanceof Error e) {
            throw e;
        } else if (t != null) {
            throw new IllegalStateException(t);
        }
    }

    private void runPart(int part) {
        int n = taskSize;
        int align = taskAlignment;
        int units = (n + align - 1) / align;
        int start = Math.min(n, (int) ((long) units * part / threads) * align);
        int end = Math.min(n, (int) ((long) units * (part + 1) / threads) * align);
        if (start < end) {
            task.run(start, end);
        }
    }

    private void workLoop(int part) {
        int seen = 0;
        while (true) {
            int spins = 0;
            while (generation == seen && !closed) {
                if (spins++ < SPIN_ITERATIONS && !resting) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            try {
                runPart(part);
            } catch (Throwable t) {
                failure = t;
            }
            if (pending.decrementAndGet() == 0) {
                LockSupport.unpark(caller);
            }
        }
    }

    /**
     * Tells the workers that no work is coming soon (the engine is idle): they stop spinning
     * and park, so the cores go to other threads (HTTP handlers, clients) at once. The next
     * parallelFor wakes them as usual.
     */
    public void rest() {
        resting = true;
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }

    /** Threads to use by default: the system property turbo4j.threads, else all cores. */
    public static int defaultThreads() {
        String prop = System.getProperty("turbo4j.threads");
        if (prop != null && !prop.isBlank()) {
            return Integer.parseInt(prop.trim());
        }
        return Runtime.getRuntime().availableProcessors();
    }
}
