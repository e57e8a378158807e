package dev.turbo4j.server.openai;

import dev.turbo4j.core.chat.ChatMessage;
import dev.turbo4j.core.sampling.GenerationConfig;
import dev.turbo4j.core.sampling.TokenLogprobs;
import dev.turbo4j.engine.EngineOutput;
import dev.turbo4j.engine.GenerationResult;
import dev.turbo4j.engine.GenerationStream;
import dev.turbo4j.server.Admission;
import dev.turbo4j.server.ServedModel;
import dev.turbo4j.server.http.ConnectionWatch;
import dev.turbo4j.server.http.Json;
import dev.turbo4j.server.sse.ClientGoneException;
import dev.turbo4j.server.sse.EventStream;
import io.javalin.http.Context;
import io.javalin.http.Handler;

import java.util.ArrayList;
import java.util.List;

import static dev.turbo4j.server.http.ApiException.require;

/** POST /v1/chat/completions: messages through the chat template, n choices, streamed or whole. */
public final class ChatCompletionsHandler implements Handler {
    private final ServedModel model;
    private final Admission admission;
    private final TokenTexts tokenTexts;

    public ChatCompletionsHandler(ServedModel model, Admission admission) {
        this.model = model;
        this.admission = admission;
        this.tokenTexts = new TokenTexts(model.tokenizer());
    }

    @Override
    public void handle(Context ctx) throws Exception {
        ChatCompletionRequest req = Json.parse(ctx.body(), ChatCompletionRequest.class);
        model.checkName(req.model());
        req.requireSupported();
        List<ChatMessage> messages = ChatMessages.parse(req.messages());
        int[] ids = Boolean.FALSE.equals(req.doPreprocess()) ? model.encodeText(ChatMessages.raw(messages))
                : model.encodeChat(messages, "messages");
        Integer logprobs = null;
        if (Boolean.TRUE.equals(req.logprobs())) {
            logprobs = req.topLogprobs() == null ? 0 : req.topLogprobs();
            require(logprobs >= 0 && logprobs <= GenerationConfig.MAX_LOGPROBS, "top_logprobs",
                    "top_logprobs must be between 0 and " + GenerationConfig.MAX_LOGPROBS + ", got " + logprobs);
        } else {
            // 0 is the default value clients send (vLLM accepts it); more alternatives need logprobs.
            require(req.topLogprobs() == null || req.topLogprobs() == 0, "top_logprobs", "top_logprobs needs logprobs: true");
        }
        boolean completionName = req.maxCompletionTokens() != null;
        GenerationConfig config = req.toConfig(completionName ? req.maxCompletionTokens() : req.maxTokens(),
                completionName ? "max_completion_tokens" : "max_tokens", logprobs, model);
        int n = req.n() == null ? 1 : req.n();
        try (Admission.Ticket ticket = admission.enter()) {
            Choices choices = Choices.submit(model, List.of(ids), n, config, req.sessionId(), "messages", ticket);
            String id = OpenAiIds.chat();
            long created = OpenAiIds.now();
            if (Boolean.TRUE.equals(req.stream())) {
                stream(ctx, choices, id, created, req.streamOptions() != null && req.streamOptions().usage());
            } else {
                ChatCompletion reply;
                try (ConnectionWatch watch = ConnectionWatch.start(ctx, choices::cancelAll)) {
                    reply = reply(choices, id, created);
                }
                ctx.json(reply);
            }
        }
    }

    private ChatCompletion reply(Choices choices, String id, long created) throws InterruptedException {
        List<GenerationResult> results = choices.results();
        List<ChatCompletion.Choice> out = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) {
            GenerationResult r = results.get(i);
            ChatLogprobs lp = r.logprobs().isEmpty() ? null : LogprobsMapper.chat(r.logprobs(), tokenTexts);
            out.add(new ChatCompletion.Choice(i, new ChatCompletion.Message("assistant", r.text(), null), lp,
                    r.finishReason().openAiName()));
        }
        return new ChatCompletion(id, "chat.completion", created, model.name(), out, choices.usage(results), null);
    }

    private void stream(Context ctx, Choices choices, String id, long created, boolean includeUsage)
            throws InterruptedException {
        EventStream events = EventStream.sse(ctx.res());
        try {
            choices.streamAll((choice, stream) -> streamChoice(events, choice, stream, id, created));
            if (includeUsage) {
                events.send(new ChatCompletionChunk(id, "chat.completion.chunk", created, model.name(), null, List.of(),
                        choices.usage(choices.results())));
            }
            events.done();
        } catch (ClientGoneException e) {
            // Choices cancelled every generation; their KV blocks are freed at the next engine step.
        }
    }

    private void streamChoice(EventStream events, int choice, GenerationStream stream, String id, long created)
            throws InterruptedException {
        events.send(chunk(id, created, choice, new ChatCompletionChunk.Delta("assistant", ""), null, null));
        List<TokenLogprobs> pending = new ArrayList<>();
        for (EngineOutput out; (out = stream.next()) != null; ) {
            pending.addAll(out.logprobs());
            if (!out.text().isEmpty()) {
                events.send(chunk(id, created, choice, new ChatCompletionChunk.Delta(null, out.text()), logprobs(pending),
                        null));
                pending.clear();
            }
            if (out.finished()) {
                events.send(chunk(id, created, choice, new ChatCompletionChunk.Delta(null, null), logprobs(pending),
                        out.finishReason().openAiName()));
            }
        }
    }

    private ChatLogprobs logprobs(List<TokenLogprobs> pending) {
        return pending.isEmpty() ? null : LogprobsMapper.chat(pending, tokenTexts);
    }

    private ChatCompletionChunk chunk(String id, long created, int choice, ChatCompletionChunk.Delta delta,
                                      ChatLogprobs logprobs, String finishReason) {
        return new ChatCompletionChunk(id, "chat.completion.chunk", created, model.name(), null,
                List.of(new ChatCompletionChunk.Choice(choice, delta, logprobs, finishReason)), null);
    }
}
