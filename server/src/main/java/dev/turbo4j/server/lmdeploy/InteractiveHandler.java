package dev.turbo4j.server.lmdeploy;

import dev.turbo4j.core.sampling.GenerationConfig;
import dev.turbo4j.engine.ChatSession;
import dev.turbo4j.engine.GenerationResult;
import dev.turbo4j.engine.RequestRejectedException;
import dev.turbo4j.server.Admission;
import dev.turbo4j.server.SamplingParams;
import dev.turbo4j.server.ServedModel;
import dev.turbo4j.server.http.ApiException;
import dev.turbo4j.server.http.ConnectionWatch;
import dev.turbo4j.server.http.Json;
import dev.turbo4j.server.sse.ClientGoneException;
import dev.turbo4j.server.sse.EventStream;
import io.javalin.http.Context;
import io.javalin.http.Handler;

import static dev.turbo4j.server.http.ApiException.require;

/**
 * POST /v1/chat/interactive as LMDeploy 0.9 had it: stateful chat by session_id, each call
 * sending only the new turn; streamed as one JSON object per line.
 */
public final class InteractiveHandler implements Handler {
    private final ServedModel model;
    private final Admission admission;
    private final InteractiveSessions sessions;

    public InteractiveHandler(ServedModel model, Admission admission) {
        this.model = model;
        this.admission = admission;
        this.sessions = new InteractiveSessions(model);
    }

    @Override
    public void handle(Context ctx) throws Exception {
        InteractiveRequest req = Json.parse(ctx.body(), InteractiveRequest.class);
        long requested = req.sessionId() == null ? -1 : req.sessionId();
        require(requested >= -1, "session_id", "session_id must be >= 0, or -1 for a new session");
        if (Boolean.TRUE.equals(req.cancel())) {
            require(requested != -1, "session_id", "give the session_id of the request to cancel");
            sessions.cancel(requested);
            ctx.json(InteractiveResponse.empty());
            return;
        }
        // As LMDeploy's protocol, prompt is required (an empty one ends a session, see below).
        require(req.prompt() != null, "prompt", "prompt is required (the new turn; \"\" with interactive_mode false"
                + " and request_output_len 0 ends the session)");
        String prompt = req.prompt();
        boolean endAfter = !Boolean.TRUE.equals(req.interactiveMode());
        if (endAfter && prompt.isEmpty() && req.requestOutputLen() != null && req.requestOutputLen() == 0) {
            require(requested != -1, "session_id", "give the session_id of the session to end");
            sessions.end(requested);
            ctx.json(InteractiveResponse.empty());
            return;
        }
        // A kept session needs an id the client knows: the reply has no field to give a new one back.
        require(endAfter || requested != -1, "session_id",
                "interactive_mode keeps the session for the next turn: give it a session_id of your own (-1 picks a "
                        + "fresh one for a single turn)");
        GenerationConfig config = config(req);
        long id = requested == -1 ? sessions.newId() : requested;
        try (Admission.Ticket ticket = admission.enter()) {
            ChatSession chat = sessions.acquire(id);
            ticket.onAbort(() -> model.engine().cancel(id));
            try {
                if (Boolean.TRUE.equals(req.stream())) {
                    stream(ctx, chat, prompt, config);
                } else {
                    GenerationResult r;
                    try (ConnectionWatch watch = ConnectionWatch.start(ctx, () -> model.engine().cancel(id))) {
                        r = chat.sendStreaming(prompt, config, out -> { });
                    }
                    ctx.json(new InteractiveResponse(r.text(), r.completionTokens(), r.promptTokens(),
                            r.historyTokens(), r.finishReason().openAiName()));
                }
            } catch (RequestRejectedException e) {
                throw ApiException.invalid("prompt", e.getMessage());
            } finally {
                if (endAfter) {
                    sessions.end(id);
                } else {
                    sessions.release(id);
                }
            }
        }
    }

    private void stream(Context ctx, ChatSession chat, String prompt, GenerationConfig config)
            throws InterruptedException {
        EventStream[] events = new EventStream[1]; // opened at the first output: a refusal is still a 400
        try {
            chat.sendStreaming(prompt, config, out -> {
                if (events[0] == null) {
                    events[0] = EventStream.jsonLines(ctx.res());
                }
                events[0].send(new InteractiveResponse(out.text(), out.completionTokens(), out.promptTokens(),
                        out.historyTokens(), out.finished() ? out.finishReason().openAiName() : null));
            });
            if (events[0] != null) {
                events[0].done();
            }
        } catch (ClientGoneException e) {
            // ChatSession cancelled the answer; what was generated stays in the history.
        }
    }

    /** LMDeploy's defaults for this route (top_p 0.8, top_k 40, temperature 0.8), then the request's values. */
    private GenerationConfig config(InteractiveRequest req) {
        GenerationConfig base = model.defaults().withTopP(0.8f).withTopK(40).withTemperature(0.8f);
        return new SamplingParams(req.temperature(), req.topP(), req.topK(), req.minP(), req.repetitionPenalty(), null,
                null, null, req.minNewTokens(), req.ignoreEos(), req.skipSpecialTokens(), req.seed(), req.stop(),
                null, req.requestOutputLen(), "request_output_len", null).apply(base, model);
    }
}
