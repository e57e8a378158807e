package dev.turbo4j.engine;

import dev.turbo4j.core.chat.ChatMessage;
import dev.turbo4j.core.chat.ChatTemplate;
import dev.turbo4j.core.sampling.GenerationConfig;
import dev.turbo4j.core.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * A multi-turn chat whose history stays in the generator's KV cache. Each turn renders the
 * conversation with the chat template, and only the text after what the previous turns
 * rendered is tokenized and prefilled (the assistant's answers are already in the cache as
 * the tokens that were generated).
 */
public final class ChatSession {
    private final Generator generator;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final String systemPrompt;
    private final List<ChatMessage> messages = new ArrayList<>();
    private Sequence sequence;
    private long nextId = 1;

    public ChatSession(Generator generator, Tokenizer tokenizer, ChatTemplate template, String systemPrompt) {
        this.generator = generator;
        this.tokenizer = tokenizer;
        this.template = template;
        this.systemPrompt = systemPrompt;
        reset();
    }

    /** Starts a new conversation (the cache is reused from position 0). */
    public void reset() {
        messages.clear();
        if (systemPrompt != null && !systemPrompt.isBlank()) {
            messages.add(new ChatMessage("system", systemPrompt));
        }
        sequence = generator.newSession(nextId++);
    }

    /** Tokens this session holds (history and answers). */
    public int usedTokens() {
        return sequence.length();
    }

    public int sessionLen() {
        return generator.sessionLen();
    }

    /** Sends a user message and streams the answer. */
    public GenerationResult send(String userMessage, GenerationConfig config, TokenListener listener) {
        String before = hasTurns() ? template.render(messages, false) : "";
        messages.add(new ChatMessage("user", userMessage));
        String full = template.render(messages, true);
        String newText;
        if (full.startsWith(before)) {
            newText = full.substring(before.length());
        } else {
            // The template re-renders earlier turns differently: recompute the whole conversation.
            generator.reset(sequence);
            newText = full;
        }
        int[] ids = tokenizer.encode(newText, false);
        GenerationResult result;
        try {
            result = generator.generate(sequence, ids, config, listener);
        } catch (IllegalArgumentException e) {
            messages.removeLast();
            throw e;
        }
        messages.add(new ChatMessage("assistant", result.text()));
        return result;
    }

    private boolean hasTurns() {
        return messages.stream().anyMatch(m -> m.role().equals("user"));
    }
}
