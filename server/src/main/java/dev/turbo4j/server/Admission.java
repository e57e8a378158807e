package dev.turbo4j.server;

import dev.turbo4j.server.http.ApiException;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who may start generating: at most {@code maxConcurrent} generation requests at once (a 429
 * beyond, so a flood cannot queue unbounded work in the engine), none once draining (503).
 * It also knows how to abort what is running, for a graceful shutdown.
 */
public final class Admission {
    private final int maxConcurrent;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Set<Ticket> live = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;
    private volatile boolean abortsRequested;

    public Admission(int maxConcurrent) {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("max_concurrent_requests must be >= 1, got " + maxConcurrent);
        }
        this.maxConcurrent = maxConcurrent;
    }

    /** One admitted request; close it when its response is complete. */
    public final class Ticket implements AutoCloseable {
        private final Set<Runnable> aborts = ConcurrentHashMap.newKeySet();
        private boolean closed;

        /** What to run if the server shuts down before this request ends (e.g. cancel its streams). */
        public void onAbort(Runnable abort) {
            aborts.add(abort);
            if (draining && abortsRequested) {
                abort.run();
            }
        }

        private void abort() {
            aborts.forEach(Runnable::run);
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                live.remove(this);
                inFlight.decrementAndGet();
            }
        }
    }

    /** Admits a generation request or throws 503 (draining) / 429 (too many in flight). */
    public Ticket enter() {
        if (draining) {
            throw unavailable();
        }
        if (inFlight.incrementAndGet() > maxConcurrent) {
            inFlight.decrementAndGet();
            throw new ApiException(429, "rate_limit_error", null, "too_many_requests",
                    "the server is busy: " + maxConcurrent + " requests are being generated (--max-concurrent-requests); retry later");
        }
        Ticket t = new Ticket();
        live.add(t);
        if (draining) { // raced with drain(): leave
            t.close();
            throw unavailable();
        }
        return t;
    }

    private static ApiException unavailable() {
        return new ApiException(503, "server_error", null, "shutting_down", "the server is shutting down");
    }

    public int inFlight() {
        return inFlight.get();
    }

    public boolean draining() {
        return draining;
    }

    /**
     * Stops admitting, lets running requests finish for up to {@code grace}, then aborts the
     * rest (their streams end with finish_reason "abort") and waits up to {@code abortWait}
     * for them to send their final events.
     */
    public void drain(Duration grace, Duration abortWait) throws InterruptedException {
        draining = true;
        awaitIdle(grace);
        abortsRequested = true;
        live.forEach(Ticket::abort);
        awaitIdle(abortWait);
    }

    private void awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }
}
