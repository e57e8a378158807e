package dev.turbo4j.cli;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A chat turn run on a thread of its own, so that the console can stop waiting for it: when a
 * server hangs, a Ctrl-C's cancel request is not answered either, and a read of its stream never
 * returns. The abandoned turn's thread lives on until the connection ends, but says nothing more.
 */
final class AbandonableTurn {
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final AtomicBoolean abandoned = new AtomicBoolean();

    private AbandonableTurn() {
    }

    /** Starts {@code work}, which must print nothing once its flag (abandoned) is set. */
    static AbandonableTurn start(Consumer<AtomicBoolean> work) {
        AbandonableTurn turn = new AbandonableTurn();
        Thread.ofVirtual().name("chat-turn").start(() -> {
            try {
                work.accept(turn.abandoned);
            } finally {
                turn.done.complete(null);
            }
        });
        return turn;
    }

    /** If the turn has not ended {@code grace} from now: mark it abandoned, run {@code onAbandon}, stop waiting. */
    void abandonAfter(Duration grace, Runnable onAbandon) {
        CompletableFuture.delayedExecutor(grace.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (!done.isDone() && abandoned.compareAndSet(false, true)) {
                onAbandon.run();
                done.complete(null);
            }
        });
    }

    /** Waits until the turn ended or was abandoned. */
    void await() {
        done.join();
    }

    boolean abandoned() {
        return abandoned.get();
    }
}
