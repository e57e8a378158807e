package dev.turbo4j.engine;

import dev.turbo4j.core.chat.ChatMessage;
import dev.turbo4j.core.chat.ChatTemplate;
import dev.turbo4j.core.sampling.GenerationConfig;
import dev.turbo4j.core.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * A multi-turn chat whose history stays in the engine (stateful inference). A turn sends only
 * what the chat template writes after the last answer: the answer's end as the template writes
 * it ({@code " </s>"}, {@code "<|im_end|>\n"}; a generated end id the template writes itself is
 * dropped from the session first), then the new message and the generation prompt. The answer
 * stays in the session as the generated tokens, so only the new text is prefilled. Where the
 * template does not render the earlier turns as before (it re-renders history, say), the turn
 * is the whole conversation tokenized, of which the session keeps what it already holds.
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
    /** The last turn's rendered prompt, whose tokens the session holds just before the last answer's. */
    private String lastPrompt = "";
    /** Whether the last answer ended with an end id (EOS or a stop id), which the template writes itself. */
    private boolean lastEndedById;
    /** Whether a stop string cut the last answer: its tokens are in the session, not in the message. */
    private boolean lastCutByStopString;
    /** Stands for the last answer while rendering what comes after it. */
    private static final String ANSWER_MARK = "TURBO4JANSWERMARK7f3a9";

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
        lastPrompt = "";
        lastEndedById = false;
        lastCutByStopString = false;
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
        int[] ids;
        int kept;
        String after = started ? textAfterLastAnswer(full) : null;
        if (after != null) {
            kept = lastEndedById ? held.length - 1 : held.length;
            ids = concat(Arrays.copyOf(held, kept), encodeFollowingText(after));
        } else {
            // The whole conversation, of which the session keeps what it holds already; nothing
            // in common (or a history this chat does not know) starts it over.
            ids = engine.tokenizer().encode(full, false);
            kept = started ? Math.max(0, Math.min(commonPrefix(held, ids), ids.length - 1)) : 0; // a new token at least
        }
        // continueAt rather than CONTINUE even where nothing is dropped: should the session hold
        // more than this chat knows (an interrupted turn), the extra is dropped, not kept twice.
        SubmitFlags flags = kept == 0 ? SubmitFlags.NEW_SESSION : SubmitFlags.continueAt(kept);
        GenerationStream stream = engine.submit(sessionId, Arrays.copyOfRange(ids, kept, ids.length), config, flags);
        RuntimeException consumerFailure = null;
        try {
            try {
                stream.awaitAccepted();
            } catch (UnknownSessionException e) {
                // The engine no longer holds the session (someone ended it): start it over from
                // the whole conversation rather than continue from nothing.
                flags = SubmitFlags.NEW_SESSION;
                ids = engine.tokenizer().encode(full, false);
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
            // The engine holds the session with an unknown part of this turn: the next turn starts
            // it over, and close() still ends it. The unanswered message is not kept.
            messages.removeLast();
            started = true;
            held = new int[0];
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
        int[] now = concat(ids, result.tokenIds());
        held = now.length == usedTokens ? now : new int[0];
        lastPrompt = full;
        int[] generated = result.tokenIds();
        lastEndedById = generated.length > 0 && (engine.model().eosIds().contains(generated[generated.length - 1])
                || config.stopTokenIds().contains(generated[generated.length - 1]));
        lastCutByStopString = result.finishReason() == FinishReason.STOP && !lastEndedById;
        messages.add(ChatMessage.assistant(result.text()));
        if (consumerFailure != null) {
            throw consumerFailure;
        }
        return result;
    }

    /**
     * What the template writes after the last answer, up to the new turn's generation prompt;
     * null where the session's tokens would not read as the conversation {@code full}: the
     * template renders the conversation before that answer otherwise than the last prompt
     * (beyond whitespace, as Llama-2's {@code " " + answer}), or changes the answer itself
     * (a reasoning part it strips), or a stop string the message drops cut the answer.
     */
    private String textAfterLastAnswer(String full) {
        int answer = messages.size() - 2; // ..., the last answer, the new user message
        if (held.length == 0 || lastCutByStopString || answer < 0 || !messages.get(answer).role().equals("assistant")) {
            return null;
        }
        List<ChatMessage> marked = new ArrayList<>(messages);
        marked.set(answer, ChatMessage.assistant(ANSWER_MARK));
        String rendered;
        try {
            rendered = template.render(marked, true);
        } catch (RuntimeException e) {
            return null;
        }
        int at = rendered.indexOf(ANSWER_MARK);
        if (at < 0 || rendered.indexOf(ANSWER_MARK, at + 1) >= 0 || !rendered.startsWith(lastPrompt)
                || !rendered.substring(lastPrompt.length(), at).isBlank()) {
            return null;
        }
        String text = messages.get(answer).content();
        String before = rendered.substring(0, at);
        String after = rendered.substring(at + ANSWER_MARK.length());
        if (!full.equals(before + text + after) && !full.equals(before + text.strip() + after)) {
            return null;
        }
        return after;
    }

    /**
     * The ids of {@code text} as it reads after other text: encoded alone, a SentencePiece-style
     * tokenizer would put its "▁" prefix at the join. So it is encoded after a newline, whose
     * ids are then taken off (where they come off whole; else it is encoded alone).
     */
    private int[] encodeFollowingText(String text) {
        Tokenizer tokenizer = engine.tokenizer();
        int[] anchor = tokenizer.encode("\n", false);
        int[] both = tokenizer.encode("\n" + text, false);
        if (anchor.length > 0 && both.length > anchor.length
                && Arrays.equals(both, 0, anchor.length, anchor, 0, anchor.length)) {
            return Arrays.copyOfRange(both, anchor.length, both.length);
        }
        return tokenizer.encode(text, false);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
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
