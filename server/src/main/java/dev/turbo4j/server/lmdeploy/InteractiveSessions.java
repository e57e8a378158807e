package dev.turbo4j.server.lmdeploy;

import dev.turbo4j.engine.ChatSession;
import dev.turbo4j.engine.Engine;
import dev.turbo4j.server.ServedModel;
import dev.turbo4j.server.http.ApiException;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The chats kept on the server for /v1/chat/interactive, by session id. Each is a
 * {@link ChatSession}: the engine keeps its history (and KV cache), the chat template renders
 * only the new turn. One call at a time per session: a second concurrent call is a 400.
 */
final class InteractiveSessions {
    /**
     * Ids handed out for session_id -1: negative, so that no client's own id (>= 0) can meet
     * one; counting down from -2, far from the engine's one-shot ids (up from Long.MIN_VALUE).
     */
    private final AtomicLong anonymous = new AtomicLong(-2);
    /** How long a cancel waits for the session's running call to end before it answers. */
    private static final long CANCEL_WAIT_SECONDS = 10;
    private final ConcurrentHashMap<Long, Held> sessions = new ConcurrentHashMap<>();
    private final ServedModel model;

    private record Held(ChatSession chat, ReentrantLock lock) {
    }

    InteractiveSessions(ServedModel model) {
        this.model = model;
    }

    long newId() {
        return anonymous.getAndDecrement();
    }

    /**
     * Cancels the session's running call and waits until it has ended (at the engine's next
     * step, at most {@value #CANCEL_WAIT_SECONDS} s), as LMDeploy's stop_session does: the
     * client's next turn must not be refused as busy.
     */
    void cancel(long id) throws InterruptedException {
        Held held = sessions.get(id);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CANCEL_WAIT_SECONDS);
        // Again and again: a turn that holds the session may not have reached the engine yet
        // (a cancel right after it was sent), and would then run to its end.
        do {
            model.engine().cancel(id);
            if (held == null || held.lock.isHeldByCurrentThread()) {
                return;
            }
            if (held.lock.tryLock(20, TimeUnit.MILLISECONDS)) {
                held.lock.unlock();
                return;
            }
        } while (System.nanoTime() < deadline);
    }

    /** Locks the session (creating it if new) for one call; release with {@link #release}. */
    ChatSession acquire(long id) {
        Held held = sessions.computeIfAbsent(id, k -> new Held(
                new ChatSession(model.engine(), model.template(), null, k), new ReentrantLock()));
        if (!held.lock.tryLock()) {
            throw ApiException.invalid("session_id", "session " + id
                    + " is busy with another request; wait for it to finish or send cancel: true");
        }
        return held.chat;
    }

    void release(long id) {
        Held held = sessions.get(id);
        if (held != null && held.lock.isHeldByCurrentThread()) {
            held.lock.unlock();
        }
    }

    /** Forgets the session and frees its KV blocks (also when only the engine knew it). */
    void end(long id) {
        Held held = sessions.remove(id);
        Engine engine = model.engine();
        engine.endSession(id);
        if (held != null && held.lock.isHeldByCurrentThread()) {
            held.lock.unlock();
        }
    }
}
