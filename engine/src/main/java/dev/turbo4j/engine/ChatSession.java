package dev.turbo4j.engine;

import dev.turbo4j.core.chat.ChatMessage;
import dev.turbo4j.core.chat.ChatTemplate;
import dev.turbo4j.core.sampling.GenerationConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A multi-turn chat whose history stays in the engine (stateful inference). Each turn renders
 * the conversation with the chat template and sends only the text after what the earlier
 * turns rendered; the assistant's answers are already in the session as the generated tokens.
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
        String before = messages.stream().anyMatch(m -> m.role().equals("user")) ? template.render(messages, false) : "";
        messages.add(ChatMessage.user(userMessage));
        String full;
        try {
            full = template.render(messages, true);
        } catch (RuntimeException e) { // the template refused the conversation: it stays as it was
            messages.removeLast();
            throw e;
        }
        SubmitFlags flags = started ? SubmitFlags.CONTINUE : SubmitFlags.NEW_SESSION;
        String newText = full;
        if (started && full.startsWith(before)) {
            newText = full.substring(before.length());
        } else if (started) {
            flags = SubmitFlags.NEW_SESSION; // the template re-rendered earlier turns: start over
        }
        GenerationStream stream = engine.submit(sessionId, engine.tokenizer().encode(newText, false), config, flags);
        RuntimeException consumerFailure = null;
        try {
            try {
                stream.awaitAccepted();
            } catch (UnknownSessionException e) {
                // The engine no longer holds the session (someone ended it): start it over from
                // the whole conversation rather than continue from nothing.
                stream = engine.submit(sessionId, engine.tokenizer().encode(full, false), config, SubmitFlags.NEW_SESSION);
                stream.awaitAccepted();
            }
            for (EngineOutput out : stream) {
                onOutput.accept(out);
            }
        } catch (RequestRejectedException e) {
            messages.removeLast();
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
        messages.add(ChatMessage.assistant(result.text()));
        if (consumerFailure != null) {
            throw consumerFailure;
        }
        return result;
    }

    /** Ends the session in the engine. */
    @Override
    public void close() {
        if (started) {
            engine.endSession(sessionId);
        }
    }
}
