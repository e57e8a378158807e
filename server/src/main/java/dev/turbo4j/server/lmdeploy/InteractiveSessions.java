package dev.turbo4j.server.lmdeploy;

import dev.turbo4j.engine.ChatSession;
import dev.turbo4j.engine.Engine;
import dev.turbo4j.server.ServedModel;
import dev.turbo4j.server.http.ApiException;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The chats kept on the server for /v1/chat/interactive, by session id. Each is a
 * {@link ChatSession}: the engine keeps its history (and KV cache), the chat template renders
 * only the new turn. One call at a time per session: a second concurrent call is a 400.
 */
final class InteractiveSessions {
    /** Ids handed out for session_id -1, far above what clients usually pick. */
    private final AtomicLong anonymous = new AtomicLong(1L << 50);
    private final ConcurrentHashMap<Long, Held> sessions = new ConcurrentHashMap<>();
    private final ServedModel model;

    private record Held(ChatSession chat, ReentrantLock lock) {
    }

    InteractiveSessions(ServedModel model) {
        this.model = model;
    }

    long newId() {
        return anonymous.getAndIncrement();
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
