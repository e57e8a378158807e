package dev.turbo4j.server;

import dev.turbo4j.core.chat.ChatMessage;
import dev.turbo4j.core.chat.ChatTemplate;
import dev.turbo4j.core.chat.ChatTemplateException;
import dev.turbo4j.core.chat.ConversationRejectedException;
import dev.turbo4j.core.sampling.GenerationConfig;
import dev.turbo4j.core.tokenizer.Tokenizer;
import dev.turbo4j.engine.Engine;
import dev.turbo4j.server.http.ApiException;

import java.util.List;

/**
 * The model a server serves: its engine, name, chat template and generation defaults, and the
 * prompt-to-ids steps every route shares.
 *
 * @param engine   the running engine (owned by the caller: the server does not close it)
 * @param name     the id clients send as {@code model} and see in /v1/models
 * @param template the chat template that turns messages into a prompt
 * @param created  when the model was loaded, in epoch seconds (for /v1/models)
 */
public record ServedModel(Engine engine, String name, ChatTemplate template, long created) {

    public ServedModel(Engine engine, String name, ChatTemplate template) {
        this(engine, name, template, System.currentTimeMillis() / 1000);
    }

    public Tokenizer tokenizer() {
        return engine.tokenizer();
    }

    /** generation_config.json over LMDeploy's defaults; what a request leaves unset. */
    public GenerationConfig defaults() {
        return engine.model().defaults();
    }

    public int vocabSize() {
        return engine.model().model().config().vocabSize();
    }

    /** 404 unless {@code requested} is null (then the one model is meant) or this model's name. */
    public void checkName(String requested) {
        if (requested != null && !requested.equals(name)) {
            throw new ApiException(404, "invalid_request_error", "model", "model_not_found",
                    "The model '" + requested + "' does not exist; this server serves '" + name + "'");
        }
    }

    /** The conversation rendered with the chat template and tokenized (the template brings BOS). */
    public int[] encodeChat(List<ChatMessage> messages, String param) {
        try {
            int[] ids = tokenizer().encode(template.render(messages, true), false);
            if (ids.length == 0) {
                throw ApiException.invalid(param, "the chat template rendered these messages as an empty prompt; check"
                        + " their roles (most templates leave out a role they do not know, and some write a system"
                        + " message only with a user message)");
            }
            return ids;
        } catch (ConversationRejectedException e) {
            throw ApiException.invalid(param, "the chat template rejected the messages: " + e.getMessage());
        } catch (ChatTemplateException e) { // the server's template is broken, not the request
            throw new ApiException(500, "server_error", null, "chat_template_error",
                    "the model's chat template failed: " + e.getMessage() + "; fix the template or start the server"
                            + " with --chat-template");
        }
    }

    /** Raw text, tokenized as a prompt (BOS added where the model wants one). */
    public int[] encodeText(String text) {
        return tokenizer().encode(text, true);
    }

    /** A 400 naming {@code param} when a prompt of {@code tokens} leaves no room to generate. */
    public void checkLength(int tokens, String param) {
        checkLength(tokens, param, true);
    }

    /**
     * A 400 naming {@code param} when a prompt of {@code tokens} does not fit the context, with
     * room for at least one answer token when {@code answered} (a prompt only scored, as
     * {@code echo} with {@code max_tokens: 0}, may fill the context).
     */
    public void checkLength(int tokens, String param, boolean answered) {
        int limit = engine.sessionLen();
        if (answered ? tokens >= limit : tokens > limit) {
            throw new ApiException(400, "invalid_request_error", param, "context_length_exceeded",
                    "the prompt is " + tokens + " tokens long, but this model's context (session_len) is " + limit
                            + " tokens" + (answered ? " including the answer" : "") + "; shorten the prompt");
        }
    }
}
