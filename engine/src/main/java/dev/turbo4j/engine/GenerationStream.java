package dev.turbo4j.engine;

import dev.turbo4j.core.sampling.TokenLogprobs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The consumer's side of a request: outputs arrive from the engine thread and are read
 * from any thread (virtual threads welcome). The engine never waits for a reader: what a
 * slow reader has not taken yet is merged into one pending output, so a stalled client
 * costs memory for its own tokens only and never holds up the batch.
 */
public final class GenerationStream implements Iterable<EngineOutput> {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile Runnable canceller = () -> { };
    private int[] pendingIds = new int[16];
    private int pendingCount;
    private final StringBuilder pendingText = new StringBuilder();
    private final StringBuilder allText = new StringBuilder();
    private int[] allIds = new int[16];
    private int allCount;
    private final List<TokenLogprobs> pendingLogprobs = new ArrayList<>();
    private final List<TokenLogprobs> allLogprobs = new ArrayList<>();
    private boolean accepted;
    private FinishReason finishReason;
    private boolean finalTaken;
    private RuntimeException failure;
    private int promptTokens;
    private int historyTokens;
    private long startNanos = System.nanoTime();
    private long firstTokenNanos;
    private long endNanos;

    GenerationStream() {
    }

    /** What {@link #cancel()} does: set once, by the engine, when the request exists. */
    void onCancel(Runnable canceller) {
        this.canceller = canceller;
    }

    // ---- engine side ----

    void started(int promptTokens, int historyTokens) {
        lock.lock();
        try {
            this.promptTokens = promptTokens;
            this.historyTokens = historyTokens;
            this.accepted = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void append(int tokenId, String text, TokenLogprobs logprobs) {
        lock.lock();
        try {
            if (allCount == 0) {
                firstTokenNanos = System.nanoTime() - startNanos;
            }
            if (pendingCount == pendingIds.length) {
                pendingIds = Arrays.copyOf(pendingIds, pendingCount * 2);
            }
            pendingIds[pendingCount++] = tokenId;
            if (allCount == allIds.length) {
                allIds = Arrays.copyOf(allIds, allCount * 2);
            }
            allIds[allCount++] = tokenId;
            pendingText.append(text);
            allText.append(text);
            if (logprobs != null) {
                pendingLogprobs.add(logprobs);
                allLogprobs.add(logprobs);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void appendText(String text) {
        if (text.isEmpty()) {
            return;
        }
        lock.lock();
        try {
            pendingText.append(text);
            allText.append(text);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void finish(FinishReason reason) {
        lock.lock();
        try {
            if (finishReason == null && failure == null) {
                finishReason = reason;
                endNanos = System.nanoTime() - startNanos;
                if (allCount == 0) {
                    firstTokenNanos = endNanos;
                }
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    void fail(RuntimeException e) {
        lock.lock();
        try {
            if (finishReason == null && failure == null) {
                failure = e;
                endNanos = System.nanoTime() - startNanos;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- consumer side ----

    /**
     * Blocks until the engine has queued the request (returns) or refused it (throws
     * {@link RequestRejectedException}): lets a server answer a refusal with an error status
     * before it commits to a streamed reply.
     */
    public void awaitAccepted() throws InterruptedException {
        lock.lock();
        try {
            while (!accepted && finishReason == null && failure == null) {
                changed.await();
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Blocks until there is something new; returns null once the final output has been
     * taken. Throws {@link RequestRejectedException} if the engine refused the request.
     */
    public EngineOutput next() throws InterruptedException {
        return next(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
    }

    /** Like {@link #next()}, but returns null also when nothing came within the timeout (check {@link #isDone()}). */
    public EngineOutput next(long timeout, TimeUnit unit) throws InterruptedException {
        long remaining = unit.toNanos(timeout);
        lock.lock();
        try {
            while (pendingCount == 0 && pendingText.isEmpty() && finishReason == null && failure == null) {
                if (remaining <= 0) {
                    return null;
                }
                remaining = changed.awaitNanos(remaining);
            }
            if (failure != null) {
                throw failure;
            }
            if (finishReason != null && finalTaken) {
                return null;
            }
            EngineOutput out = new EngineOutput(Arrays.copyOf(pendingIds, pendingCount), pendingText.toString(),
                    finishReason, promptTokens, allCount, historyTokens, List.copyOf(pendingLogprobs));
            pendingCount = 0;
            pendingText.setLength(0);
            pendingLogprobs.clear();
            if (finishReason != null) {
                finalTaken = true;
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Blocks until the request ends and returns its whole result. */
    public GenerationResult result() throws InterruptedException {
        lock.lock();
        try {
            while (finishReason == null && failure == null) {
                changed.await();
            }
            if (failure != null) {
                throw failure;
            }
            return new GenerationResult(allText.toString(), Arrays.copyOf(allIds, allCount), promptTokens, historyTokens,
                    finishReason, firstTokenNanos, endNanos, List.copyOf(allLogprobs));
        } finally {
            lock.unlock();
        }
    }

    public boolean isDone() {
        lock.lock();
        try {
            return finishReason != null || failure != null;
        } finally {
            lock.unlock();
        }
    }

    /** Stops generation at the next step; the request ends with finish reason ABORT. */
    public void cancel() {
        canceller.run();
    }

    /** Iterates outputs until the final one (InterruptedException becomes an unchecked one). */
    @Override
    public Iterator<EngineOutput> iterator() {
        return new Iterator<>() {
            private EngineOutput next;

            @Override
            public boolean hasNext() {
                if (next == null) {
                    try {
                        next = GenerationStream.this.next();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while waiting for the engine", e);
                    }
                }
                return next != null;
            }

            @Override
            public EngineOutput next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                EngineOutput out = next;
                next = null;
                return out;
            }
        };
    }
}
