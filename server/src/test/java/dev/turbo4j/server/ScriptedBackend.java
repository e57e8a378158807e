package dev.turbo4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turbo4j.server.http.Json;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in api_server for web UI tests: it answers every chat completion with a fixed text
 * (streamed in small chunks, as OpenAI does) and records the requests, so that a test can put
 * any "model output" in front of the UI, e.g. markup that must be shown as text.
 */
final class ScriptedBackend implements AutoCloseable {
    static final String MODEL = "scripted-model";

    final List<JsonNode> chatRequests = new CopyOnWriteArrayList<>();
    private final Javalin app;
    private volatile String answer = "Hello.";
    private volatile boolean breakOff;
    private volatile String finishReason = "stop";

    ScriptedBackend() {
        app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            routes(cfg.routes);
        });
        app.start("127.0.0.1", 0);
    }

    private void routes(RoutesConfig routes) {
        routes.get("/v1/models", ctx -> ctx.contentType("application/json").result(
                "{\"object\":\"list\",\"data\":[{\"id\":\"" + MODEL + "\",\"object\":\"model\",\"created\":0,\"owned_by\":\"test\"}]}"));
        routes.get("/v1/engine/state", ctx -> ctx.contentType("application/json").result("""
                {"model": "%s", "session_len": 256, "http_in_flight": 0, "engine": {"running": 0, "waiting": 0,
                 "sessions": 1, "total_blocks": 8, "free_blocks": 5, "active_blocks": 1, "cached_blocks": 2,
                 "block_size": 32, "generated_tokens": 0, "block_states": "ACCFFFFF"}}""".formatted(MODEL)));
        routes.post("/v1/chat/completions", ctx -> {
            chatRequests.add(Json.MAPPER.readTree(ctx.body()));
            ctx.contentType("text/event-stream");
            OutputStream out = ctx.res().getOutputStream();
            String text = answer;
            for (int i = 0; i < text.length(); i += 7) {
                event(out, chunk(text.substring(i, Math.min(text.length(), i + 7)), null));
            }
            if (breakOff) { // a server that dies mid-answer: the stream just ends
                out.flush();
                return;
            }
            event(out, chunk(null, finishReason));
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        });
    }

    /** Whether the following answers end without a finish reason or [DONE], as when the server dies. */
    void breakOff(boolean broken) {
        breakOff = broken;
    }

    /** The finish reason of the following answers. */
    void finishWith(String reason) {
        finishReason = reason;
    }

    /** The text every following answer will be. */
    void answerWith(String text) {
        answer = text;
    }

    String url() {
        return "http://127.0.0.1:" + app.port();
    }

    private static String chunk(String content, String finishReason) {
        ObjectNode delta = Json.MAPPER.createObjectNode();
        if (content != null) {
            delta.put("content", content);
        }
        ObjectNode choice = Json.MAPPER.createObjectNode().put("index", 0);
        choice.set("delta", delta);
        choice.put("finish_reason", finishReason);
        ObjectNode chunk = Json.MAPPER.createObjectNode().put("id", "chatcmpl-1").put("object", "chat.completion.chunk")
                .put("model", MODEL);
        chunk.putArray("choices").add(choice);
        return chunk.toString();
    }

    private static void event(OutputStream out, String json) throws IOException {
        out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        app.stop();
    }
}
