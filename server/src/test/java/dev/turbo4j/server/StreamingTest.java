package dev.turbo4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turbo4j.engine.EngineStats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The exact SSE bytes, client disconnects freeing KV blocks, and graceful shutdown of streams. */
class StreamingTest {
    static TestServer ts;

    @BeforeAll
    static void start() {
        ts = TestServer.start();
    }

    @AfterAll
    static void stop() {
        ts.close();
    }

    /** The events of an SSE body, checking the framing byte for byte on the way. */
    static List<String> events(String body) {
        assertThat(body).endsWith("data: [DONE]\n\n");
        List<String> events = new ArrayList<>();
        for (String e : body.split("\n\n", -1)) {
            if (e.isEmpty()) {
                continue;
            }
            assertThat(e).startsWith("data: ").doesNotContain("\n");
            events.add(e.substring("data: ".length()));
        }
        assertThat(events.getLast()).isEqualTo("[DONE]");
        return events.subList(0, events.size() - 1);
    }

    @Test
    void chatStreamIsOpenAiSseWithRoleFirstAndUsageLast() throws Exception {
        HttpResponse<String> r = ts.post("/v1/chat/completions", """
                {"model": "kjv-llama-tiny", "messages": [{"role": "user", "content": "Blessed is the man"}],
                 "stream": true, "stream_options": {"include_usage": true}, "max_tokens": 8, "temperature": 0}""");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).get().asString().startsWith("text/event-stream");
        List<JsonNode> chunks = new ArrayList<>();
        for (String e : events(r.body())) {
            chunks.add(TestServer.json(e));
        }
        String id = chunks.getFirst().get("id").asText();
        assertThat(id).startsWith("chatcmpl-");
        for (JsonNode c : chunks) {
            assertThat(c.get("id").asText()).isEqualTo(id);
            assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(c.get("model").asText()).isEqualTo(TestServer.MODEL);
            assertThat(c.get("created").isIntegralNumber()).isTrue();
        }
        JsonNode first = chunks.getFirst().get("choices").get(0);
        assertThat(first.get("delta").get("role").asText()).isEqualTo("assistant");
        assertThat(first.get("delta").get("content").asText()).isEmpty();
        assertThat(first.get("finish_reason").isNull()).isTrue();
        // content deltas, then a last choice chunk with an empty delta and the finish reason
        JsonNode lastChoice = chunks.get(chunks.size() - 2).get("choices").get(0);
        assertThat(lastChoice.get("delta").isEmpty()).isTrue();
        assertThat(lastChoice.get("finish_reason").asText()).isIn("stop", "length");
        StringBuilder text = new StringBuilder();
        for (JsonNode c : chunks.subList(1, chunks.size() - 2)) {
            JsonNode delta = c.get("choices").get(0).get("delta");
            assertThat(delta.has("role")).isFalse();
            text.append(delta.get("content").asText());
        }
        assertThat(text.toString()).isNotEmpty();
        JsonNode usage = chunks.getLast();
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.get("usage").get("completion_tokens").asInt()).isBetween(1, 8);
        assertThat(usage.get("usage").get("total_tokens").asInt()).isEqualTo(
                usage.get("usage").get("prompt_tokens").asInt() + usage.get("usage").get("completion_tokens").asInt());
        // without include_usage there is no usage chunk and no usage field
        HttpResponse<String> plain = ts.post("/v1/chat/completions", """
                {"messages": "Blessed is the man", "stream": true, "max_tokens": 4, "temperature": 0}""");
        for (String e : events(plain.body())) {
            assertThat(TestServer.json(e).has("usage")).isFalse();
            assertThat(TestServer.json(e).get("choices")).hasSize(1);
        }
    }

    @Test
    void completionStreamCarriesTextAndFinishReason() throws Exception {
        HttpResponse<String> r = ts.post("/v1/completions", """
                {"prompt": "And the earth was", "stream": true, "max_tokens": 6, "temperature": 0, "ignore_eos": true}""");
        List<String> events = events(r.body());
        StringBuilder text = new StringBuilder();
        for (String e : events) {
            JsonNode c = TestServer.json(e);
            assertThat(c.get("object").asText()).isEqualTo("text_completion");
            assertThat(c.get("id").asText()).startsWith("cmpl-");
            text.append(c.get("choices").get(0).get("text").asText());
        }
        assertThat(TestServer.json(events.getLast()).get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
        HttpResponse<String> whole = ts.post("/v1/completions", """
                {"prompt": "And the earth was", "max_tokens": 6, "temperature": 0, "ignore_eos": true}""");
        assertThat(text.toString()).isEqualTo(TestServer.json(whole.body()).get("choices").get(0).get("text").asText());
    }

    @Test
    void clientDisconnectCancelsTheGenerationAndFreesItsBlocks() throws Exception {
        ts.awaitAllBlocksFree();
        long before = ts.engine.stats().generatedTokens();
        String body = """
                {"messages": "In the beginning", "stream": true, "max_tokens": 1000, "ignore_eos": true}""";
        try (Socket socket = new Socket("127.0.0.1", ts.server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            String seen = "";
            byte[] buf = new byte[4096];
            while (seen.split("data: ", -1).length < 6) {
                int n = in.read(buf);
                assertThat(n).isPositive();
                seen += new String(buf, 0, n, StandardCharsets.UTF_8);
            }
            EngineStats during = ts.engine.stats();
            assertThat(during.running()).isEqualTo(1);
            assertThat(during.activeBlocks()).isPositive();
        } // the client goes away mid-stream
        EngineStats after = ts.awaitAllBlocksFree();
        assertThat(after.activeBlocks()).isZero();
        assertThat(after.freeBlocks()).isEqualTo(after.totalBlocks());
        assertThat(after.running()).isZero();
        assertThat(after.generatedTokens() - before).isLessThan(1000); // cancelled, not run to the end
        // and the server still serves
        assertThat(ts.post("/v1/completions", "{\"prompt\": \"Amen\", \"max_tokens\": 2}").statusCode()).isEqualTo(200);
    }

    /** Non-streamed answers write nothing until their end; the server must still notice the client leave. */
    @ParameterizedTest
    @ValueSource(strings = {
            "/v1/chat/completions|{\"messages\": \"In the beginning\", \"max_tokens\": 1000, \"ignore_eos\": true, \"n\": 2}",
            "/v1/completions|{\"prompt\": \"In the beginning\", \"max_tokens\": 1000, \"ignore_eos\": true}",
            "/v1/chat/interactive|{\"prompt\": \"In the beginning\", \"session_id\": 41, \"request_output_len\": 1000, "
                    + "\"ignore_eos\": true}"})
    void clientDisconnectCancelsANonStreamedAnswer(String routeAndBody) throws Exception {
        String route = routeAndBody.substring(0, routeAndBody.indexOf('|'));
        String body = routeAndBody.substring(routeAndBody.indexOf('|') + 1);
        ts.awaitAllBlocksFree();
        long before = ts.engine.stats().generatedTokens();
        try (Socket socket = new Socket("127.0.0.1", ts.server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + route + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (ts.engine.stats().generatedTokens() - before < 20) {
                Thread.sleep(5);
            }
            assertThat(ts.engine.stats().running()).as(route).isPositive();
        } // the client gives up before the answer
        EngineStats after = ts.awaitAllBlocksFree();
        assertThat(after.running()).as(route).isZero();
        assertThat(after.freeBlocks()).as(route).isEqualTo(after.totalBlocks());
        assertThat(after.generatedTokens() - before).as(route).isLessThan(500); // cancelled, not run to the end
        assertThat(after.sessions()).as(route).isZero();
        // and a client on a kept-alive connection still gets whole answers, one after another
        for (int i = 0; i < 2; i++) {
            assertThat(ts.post("/v1/completions", "{\"prompt\": \"Amen\", \"max_tokens\": 2}").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void shutdownAbortsRunningStreamsWithAFinalEvent() throws Exception {
        try (TestServer own = TestServer.start()) {
            CompletableFuture<HttpResponse<String>> reply = own.http.sendAsync(own.request("/v1/chat/completions", """
                    {"messages": "In the beginning", "stream": true, "max_tokens": 1000, "ignore_eos": true}""").build(),
                    HttpResponse.BodyHandlers.ofString());
            while (own.engine.stats().running() == 0) {
                Thread.sleep(5);
            }
            own.server.shutdown(Duration.ZERO);
            List<String> events = events(reply.get().body());
            JsonNode last = TestServer.json(events.getLast()).get("choices").get(0);
            assertThat(last.get("finish_reason").asText()).isEqualTo("abort");
            assertThat(own.server.admission().inFlight()).isZero();
        }
    }
}
