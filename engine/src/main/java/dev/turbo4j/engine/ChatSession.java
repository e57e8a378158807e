package dev.turbo4j.engine;

import dev.turbo4j.core.chat.ChatMessage;
import dev.turbo4j.core.chat.ChatTemplate;
import dev.turbo4j.core.sampling.GenerationConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * A multi-turn chat whose history stays in the engine (stateful inference). Each turn renders
 * the whole conversation with the chat template and tokenizes it, as a stateless request would;
 * the engine keeps the tokens it already holds up to where the two first differ (the answers
 * are in the session as the generated tokens, but the template may end an answer otherwise:
 * {@code " </s>"} for an EOS, a newline after ChatML's {@code <|im_end|>}, no stop string) and
 * computes only the rest. So a turn sees exactly the context of the conversation sent whole.
 * Not thread-safe: one turn at a time.
 */
public final class ChatSession implements AutoCloseable {
    private final Engine engine;
    private final ChatTemplate template;
    private final String systemPrompt;
    private final List<ChatMessage> messages = new ArrayList<>();
    private long sessionId;
    private boolean started;
    private int usedTokens;
    /** The tokens the engine's session holds, as far as this chat knows: empty when unknown. */
    private int[] held = new int[0];

    /** A chat on {@code engine}; session ids from {@code sessionId} up are used (one per reset). */
    public ChatSession(Engine engine, ChatTemplate template, String systemPrompt, long sessionId) {
        this.engine = engine;
        this.template = template;
        this.systemPrompt = systemPrompt;
        this.sessionId = sessionId;
        resetMessages();
    }

    private void resetMessages() {
        messages.clear();
        if (systemPrompt != null && !systemPrompt.isBlank()) {
            messages.add(ChatMessage.system(systemPrompt));
        }
    }

    /** Starts a new conversation; the old session's KV blocks are freed. */
    public void reset() {
        if (started) {
            engine.endSession(sessionId);
        }
        sessionId++;
        started = false;
        usedTokens = 0;
        held = new int[0];
        resetMessages();
    }

    /** Tokens the session holds (history and answers). */
    public int usedTokens() {
        return usedTokens;
    }

    public int sessionLen() {
        return engine.sessionLen();
    }

    public long sessionId() {
        return sessionId;
    }

    /**
     * Sends a user message and streams the answer's text to {@code onText}. Throws
     * {@link RequestRejectedException} when the turn does not fit in the session.
     */
    public GenerationResult send(String userMessage, GenerationConfig config, Consumer<String> onText)
            throws InterruptedException {
        return sendStreaming(userMessage, config, out -> {
            if (!out.text().isEmpty()) {
                onText.accept(out.text());
            }
        });
    }

    /**
     * Sends a user message and hands every engine output (text, ids, counts) to
     * {@code onOutput}. If {@code onOutput} throws (say, its client went away), the answer is
     * cancelled, what was generated stays in the history, and the exception is rethrown.
     */
    public GenerationResult sendStreaming(String userMessage, GenerationConfig config, Consumer<EngineOutput> onOutput)
            throws InterruptedException {
        messages.add(ChatMessage.user(userMessage));
        String full;
        try {
            full = template.render(messages, true);
        } catch (RuntimeException e) { // the template refused the conversation: it stays as it was
            messages.removeLast();
            throw e;
        }
        int[] ids = engine.tokenizer().encode(full, false);
        int kept = started ? Math.max(0, Math.min(commonPrefix(held, ids), ids.length - 1)) : 0; // at least one new token
        // Nothing in common (a template that re-renders earlier turns, or a history this chat
        // does not know): start over from the whole conversation.
        SubmitFlags flags = kept == 0 ? SubmitFlags.NEW_SESSION
                : kept == held.length ? SubmitFlags.CONTINUE : SubmitFlags.continueAt(kept);
        GenerationStream stream = engine.submit(sessionId, Arrays.copyOfRange(ids, kept, ids.length), config, flags);
        RuntimeException consumerFailure = null;
        try {
            try {
                stream.awaitAccepted();
            } catch (UnknownSessionException e) {
                // The engine no longer holds the session (someone ended it): start it over from
                // the whole conversation rather than continue from nothing.
                flags = SubmitFlags.NEW_SESSION;
                stream = engine.submit(sessionId, ids, config, flags);
                stream.awaitAccepted();
            }
            for (EngineOutput out : stream) {
                onOutput.accept(out);
            }
        } catch (RequestRejectedException e) {
            messages.removeLast();
            if (flags.sequenceStart()) {
                held = new int[0]; // the engine dropped the session's history before refusing
            }
            throw e;
        } catch (InterruptedException e) {
            stream.cancel();
            throw e;
        } catch (RuntimeException e) {
            stream.cancel();
            consumerFailure = e;
        }
        GenerationResult result = stream.result();
        started = true;
        usedTokens = result.historyTokens() + result.promptTokens() + result.completionTokens();
        // The session now holds the conversation's tokens and every generated one (an EOS or a
        // stop string's tokens too); if the counts disagree, the next turn starts over.
        int[] now = Arrays.copyOf(ids, ids.length + result.tokenIds().length);
        System.arraycopy(result.tokenIds(), 0, now, ids.length, result.tokenIds().length);
        held = now.length == usedTokens ? now : new int[0];
        messages.add(ChatMessage.assistant(result.text()));
        if (consumerFailure != null) {
            throw consumerFailure;
        }
        return result;
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Arrays.mismatch(a, b);
        return n < 0 ? a.length : n;
    }

    /** Ends the session in the engine. */
    @Override
    public void close() {
        if (started) {
            engine.endSession(sessionId);
        }
    }
}
