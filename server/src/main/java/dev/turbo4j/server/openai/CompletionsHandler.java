package dev.turbo4j.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turbo4j.core.sampling.GenerationConfig;
import dev.turbo4j.core.sampling.TokenLogprobs;
import dev.turbo4j.engine.EngineOutput;
import dev.turbo4j.engine.GenerationResult;
import dev.turbo4j.engine.GenerationStream;
import dev.turbo4j.server.Admission;
import dev.turbo4j.server.ServedModel;
import dev.turbo4j.server.http.ApiException;
import dev.turbo4j.server.http.ConnectionWatch;
import dev.turbo4j.server.http.Json;
import dev.turbo4j.server.sse.ClientGoneException;
import dev.turbo4j.server.sse.EventStream;
import io.javalin.http.Context;
import io.javalin.http.Handler;

import java.util.ArrayList;
import java.util.List;

import static dev.turbo4j.server.http.ApiException.require;

/** POST /v1/completions: raw prompts (text or token ids), no chat template; echo, logprobs, n. */
public final class CompletionsHandler implements Handler {
    /** max_tokens when a request gives none. */
    static final int DEFAULT_MAX_TOKENS = 16;
    /** OpenAI's limit for the legacy logprobs count. */
    static final int MAX_LOGPROBS = 5;

    private final ServedModel model;
    private final Admission admission;
    private final TokenTexts tokenTexts;

    public CompletionsHandler(ServedModel model, Admission admission) {
        this.model = model;
        this.admission = admission;
        this.tokenTexts = new TokenTexts(model.tokenizer());
    }

    @Override
    public void handle(Context ctx) throws Exception {
        CompletionRequest req = Json.parse(ctx.body(), CompletionRequest.class);
        model.checkName(req.model());
        require(req.suffix() == null || req.suffix().isEmpty(), "suffix",
                "suffix (insertion after the completion) is not supported by this server; leave it out");
        List<int[]> prompts = prompts(req.prompt());
        boolean echo = Boolean.TRUE.equals(req.echo());
        if (req.logprobs() != null) {
            require(req.logprobs() >= 0 && req.logprobs() <= MAX_LOGPROBS, "logprobs",
                    "logprobs must be between 0 and " + MAX_LOGPROBS + ", got " + req.logprobs());
        }
        // max_tokens 0 with echo scores the prompt alone (vLLM's echo without generation).
        boolean promptOnly = req.maxTokens() != null && req.maxTokens() == 0;
        require(!promptOnly || echo, "max_tokens", "max_tokens must be at least 1, got 0 (0 is allowed with echo: true,"
                + " to return the prompt and its logprobs)");
        // OpenAI's (and vLLM's, LMDeploy's) default for this legacy route is 16 tokens, not the context.
        GenerationConfig config = req.toConfig(promptOnly ? 1 : req.maxTokens() != null ? req.maxTokens() : DEFAULT_MAX_TOKENS,
                "max_tokens", req.logprobs(), model);
        int n = req.n() == null ? 1 : req.n();
        boolean stream = Boolean.TRUE.equals(req.stream());
        boolean includeUsage = req.streamOptions() != null && req.streamOptions().usage();
        try (Admission.Ticket ticket = admission.enter()) {
            Echo[] echoes = new Echo[prompts.size()];
            for (int p = 0; p < prompts.size(); p++) {
                echoes[p] = echo(prompts.get(p), echo, req.logprobs(), !promptOnly);
            }
            String id = OpenAiIds.completion();
            long created = OpenAiIds.now();
            if (promptOnly) {
                echoOnly(ctx, prompts, echoes, n, id, created, stream, includeUsage);
                return;
            }
            Choices choices = Choices.submit(model, prompts, n, config, req.sessionId(), "prompt", ticket);
            if (stream) {
                stream(ctx, choices, echoes, id, created, includeUsage);
            } else {
                Completion reply;
                try (ConnectionWatch watch = ConnectionWatch.start(ctx, choices::cancelAll)) {
                    reply = reply(choices, echoes, id, created);
                }
                ctx.json(reply);
            }
        }
    }

    /** What a choice repeats of its prompt with {@code echo}: the text, and its logprobs when asked for. */
    private record Echo(String text, CompletionLogprobs logprobs) {
    }

    private Echo echo(int[] prompt, boolean echo, Integer logprobs, boolean answered) throws InterruptedException {
        if (!echo) {
            return new Echo("", null);
        }
        // Checked before scoring: a prompt that leaves no room for the answer is refused without the work.
        model.checkLength(prompt.length, "prompt", answered);
        CompletionLogprobs lp = logprobs == null ? null
                : LogprobsMapper.prompt(prompt, model.engine().promptLogprobs(prompt, logprobs), tokenTexts, model.tokenizer());
        return new Echo(model.tokenizer().decode(prompt, true), lp);
    }

    /** max_tokens 0: each choice is its prompt, echoed, finished by length. */
    private void echoOnly(Context ctx, List<int[]> prompts, Echo[] echoes, int n, String id, long created,
                          boolean stream, boolean includeUsage) {
        List<Completion.Choice> choices = new ArrayList<>();
        int promptTokens = 0;
        for (int p = 0; p < prompts.size(); p++) {
            promptTokens += prompts.get(p).length;
            for (int i = 0; i < n; i++) {
                choices.add(new Completion.Choice(echoes[p].text(), choices.size(), echoes[p].logprobs(), "length"));
            }
        }
        Usage usage = Usage.of(promptTokens, 0);
        if (!stream) {
            ctx.json(new Completion(id, "text_completion", created, model.name(), choices, usage, null));
            return;
        }
        EventStream events = EventStream.sse(ctx.res());
        try {
            for (Completion.Choice c : choices) {
                events.send(new Completion(id, "text_completion", created, model.name(), List.of(c), null, null));
            }
            if (includeUsage) {
                events.send(new Completion(id, "text_completion", created, model.name(), List.of(), usage, null));
            }
            events.done();
        } catch (ClientGoneException e) {
            // nothing runs for this request
        }
    }

    /** A string, a list of strings, a list of token ids, or a list of such lists. */
    private List<int[]> prompts(JsonNode prompt) {
        require(prompt != null && !prompt.isNull(), "prompt", "prompt is required");
        List<int[]> out = new ArrayList<>();
        if (prompt.isTextual()) {
            out.add(model.encodeText(prompt.asText()));
            return out;
        }
        require(prompt.isArray() && !prompt.isEmpty(), "prompt",
                "prompt must be a string, a list of strings, a list of token ids or a list of token id lists");
        if (prompt.get(0).isInt()) {
            out.add(tokenIds(prompt, "prompt"));
            return out;
        }
        for (int i = 0; i < prompt.size(); i++) {
            JsonNode p = prompt.get(i);
            if (p.isTextual()) {
                out.add(model.encodeText(p.asText()));
            } else if (p.isArray() && !p.isEmpty()) {
                out.add(tokenIds(p, "prompt[" + i + "]"));
            } else {
                throw ApiException.invalid("prompt[" + i + "]", "prompt[" + i + "] must be a string or a list of token ids");
            }
        }
        return out;
    }

    private int[] tokenIds(JsonNode list, String param) {
        int[] ids = new int[list.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = list.get(i);
            require(id.isInt() && id.asInt() >= 0 && id.asInt() < model.vocabSize(), param,
                    param + " holds " + id + ", not a token id in [0, " + model.vocabSize() + ")");
            ids[i] = id.asInt();
        }
        return ids;
    }

    private Completion reply(Choices choices, Echo[] echoes, String id, long created) throws InterruptedException {
        List<GenerationResult> results = choices.results();
        List<Completion.Choice> out = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) {
            GenerationResult r = results.get(i);
            Echo echo = echoes[choices.promptIndex(i)];
            CompletionLogprobs lp = r.logprobs().isEmpty() ? null
                    : LogprobsMapper.completion(r.logprobs(), tokenTexts, echo.text().length());
            if (echo.logprobs() != null) {
                lp = echo.logprobs().followedBy(lp);
            }
            out.add(new Completion.Choice(echo.text() + r.text(), i, lp, r.finishReason().openAiName()));
        }
        return new Completion(id, "text_completion", created, model.name(), out, choices.usage(results), null);
    }

    private void stream(Context ctx, Choices choices, Echo[] echoes, String id, long created, boolean includeUsage)
            throws InterruptedException {
        EventStream events = EventStream.sse(ctx.res());
        try {
            choices.streamAll((choice, stream) -> streamChoice(events, choice, stream, echoes[choices.promptIndex(choice)],
                    id, created));
            if (includeUsage) {
                events.send(new Completion(id, "text_completion", created, model.name(), List.of(),
                        choices.usage(choices.results()), null));
            }
            events.done();
        } catch (ClientGoneException e) {
            // Choices cancelled every generation; their KV blocks are freed at the next engine step.
        }
    }

    private void streamChoice(EventStream events, int choice, GenerationStream stream, Echo echo, String id,
                              long created) throws InterruptedException {
        if (!echo.text().isEmpty() || echo.logprobs() != null) {
            events.send(chunk(id, created, choice, echo.text(), echo.logprobs(), null));
        }
        int offset = echo.text().length();
        List<TokenLogprobs> pending = new ArrayList<>();
        for (EngineOutput out; (out = stream.next()) != null; ) {
            pending.addAll(out.logprobs());
            if (!out.text().isEmpty() || out.finished()) {
                CompletionLogprobs lp = pending.isEmpty() ? null
                        : LogprobsMapper.completion(pending, tokenTexts, offset);
                events.send(chunk(id, created, choice, out.text(), lp,
                        out.finished() ? out.finishReason().openAiName() : null));
                offset += out.text().length();
                pending.clear();
            }
        }
    }

    private Completion chunk(String id, long created, int choice, String text, CompletionLogprobs logprobs,
                             String finishReason) {
        return new Completion(id, "text_completion", created, model.name(),
                List.of(new Completion.Choice(text, choice, logprobs, finishReason)), null, null);
    }
}
