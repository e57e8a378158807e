package dev.turbo4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turbo4j.engine.EngineStats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** /v1/chat/interactive: the session's history stays on the server between turns. */
class InteractiveTest {
    static TestServer ts;

    @BeforeAll
    static void start() {
        ts = TestServer.start();
    }

    @AfterAll
    static void stop() {
        ts.close();
    }

    static JsonNode call(String body) throws Exception {
        HttpResponse<String> r = ts.post("/v1/chat/interactive", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return TestServer.json(r.body());
    }

    @Test
    void historyIsKeptAcrossTurnsAndOnlyTheNewTurnIsSent() throws Exception {
        JsonNode first = call("""
                {"prompt": "Who made the heaven?", "session_id": 7, "interactive_mode": true,
                 "request_output_len": 12, "temperature": 0}""");
        assertThat(first.get("history_tokens").asInt()).isZero();
        int firstInput = first.get("input_tokens").asInt();
        int firstTokens = first.get("tokens").asInt();
        assertThat(firstInput).isPositive();
        assertThat(firstTokens).isBetween(1, 12);
        assertThat(first.get("text").asText()).isNotEmpty();
        assertThat(first.get("finish_reason").asText()).isIn("stop", "length");

        JsonNode second = call("""
                {"prompt": "And the earth?", "session_id": 7, "interactive_mode": true,
                 "request_output_len": 8, "temperature": 0}""");
        // the second turn starts on top of everything the first left in the session
        assertThat(second.get("history_tokens").asInt()).isEqualTo(firstInput + firstTokens);
        int secondInput = second.get("input_tokens").asInt();
        assertThat(secondInput).isPositive().isLessThan(firstInput + firstTokens + secondInput);
        EngineStats during = ts.engine.stats();
        assertThat(during.sessions()).isEqualTo(1);
        assertThat(during.cachedBlocks()).isPositive(); // the session's KV stays between turns

        // interactive_mode false, empty prompt, request_output_len 0: end the session, free its KV
        JsonNode end = call("{\"prompt\": \"\", \"session_id\": 7, \"interactive_mode\": false, \"request_output_len\": 0}");
        assertThat(end.get("tokens").asInt()).isZero();
        EngineStats after = ts.awaitAllBlocksFree();
        assertThat(after.sessions()).isZero();
        assertThat(after.freeBlocks()).isEqualTo(after.totalBlocks());

        // the same id now starts from scratch
        JsonNode fresh = call("{\"prompt\": \"Who made the heaven?\", \"session_id\": 7, \"interactive_mode\": true, "
                + "\"request_output_len\": 4, \"temperature\": 0}");
        assertThat(fresh.get("history_tokens").asInt()).isZero();
        call("{\"prompt\": \"\", \"session_id\": 7, \"request_output_len\": 0}");
    }

    @Test
    void streamsOneJsonObjectPerLine() throws Exception {
        HttpResponse<String> r = ts.post("/v1/chat/interactive", """
                {"prompt": "Blessed is the man", "session_id": 11, "interactive_mode": true, "stream": true,
                 "request_output_len": 10, "temperature": 0, "ignore_eos": true}""");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).endsWith("\n").doesNotContain("data:");
        List<JsonNode> lines = new ArrayList<>();
        for (String line : r.body().split("\n")) {
            lines.add(TestServer.json(line));
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode l = lines.get(i);
            assertThat(l.fieldNames()).toIterable().containsExactlyInAnyOrder("text", "tokens", "input_tokens",
                    "history_tokens", "finish_reason");
            assertThat(l.get("finish_reason").isNull()).isEqualTo(i < lines.size() - 1);
            text.append(l.get("text").asText());
        }
        assertThat(lines.getLast().get("tokens").asInt()).isEqualTo(10);
        assertThat(lines.getLast().get("finish_reason").asText()).isEqualTo("length");
        // non-interactive call on the same session continues it, then ends it
        JsonNode last = call("{\"prompt\": \"Amen\", \"session_id\": 11, \"request_output_len\": 3, \"temperature\": 0}");
        assertThat(last.get("history_tokens").asInt()).isEqualTo(lines.getLast().get("input_tokens").asInt() + 10);
        assertThat(ts.awaitAllBlocksFree().sessions()).isZero();
        assertThat(text.toString()).isNotEmpty();
    }

    @Test
    void aOneShotRequestOnAnInteractiveSessionIsRefusedAndTheHistoryKept() throws Exception {
        JsonNode first = call("""
                {"prompt": "Who made the heaven?", "session_id": 31, "interactive_mode": true,
                 "request_output_len": 4, "temperature": 0}""");
        int held = first.get("input_tokens").asInt() + first.get("tokens").asInt();
        for (String route : new String[] {"/v1/completions", "/v1/chat/completions"}) {
            String body = route.endsWith("chat/completions")
                    ? "{\"messages\": \"hi\", \"session_id\": 31, \"max_tokens\": 2}"
                    : "{\"prompt\": \"hi\", \"session_id\": 31, \"max_tokens\": 2}";
            HttpResponse<String> oneShot = ts.post(route, body);
            assertThat(oneShot.statusCode()).as(route).isEqualTo(400);
            assertThat(TestServer.json(oneShot.body()).get("error").get("message").asText()).as(route)
                    .isEqualTo("session 31 holds a conversation of " + held + " tokens, which this one-shot request "
                            + "would erase; use another session id, or end that session first");
        }
        JsonNode next = call("""
                {"prompt": "And the earth?", "session_id": 31, "interactive_mode": true,
                 "request_output_len": 2, "temperature": 0}""");
        assertThat(next.get("history_tokens").asInt()).isEqualTo(held);
        call("{\"prompt\": \"\", \"session_id\": 31, \"request_output_len\": 0}");
        // a kept session needs an id the client knows
        HttpResponse<String> anonymous = ts.post("/v1/chat/interactive",
                "{\"prompt\": \"hi\", \"session_id\": -1, \"interactive_mode\": true, \"request_output_len\": 2}");
        assertThat(anonymous.statusCode()).isEqualTo(400);
        assertThat(TestServer.json(anonymous.body()).get("error").get("param").asText()).isEqualTo("session_id");
        assertThat(ts.engine.stats().sessions()).isZero();
        // once ended, the id serves one-shot requests again
        assertThat(ts.post("/v1/completions", "{\"prompt\": \"hi\", \"session_id\": 31, \"max_tokens\": 2}")
                .statusCode()).isEqualTo(200);
        assertThat(ts.awaitAllBlocksFree().sessions()).isZero();
    }

    @Test
    void cancelStopsTheRunningTurnAndKeepsTheSession() throws Exception {
        var running = ts.http.sendAsync(ts.request("/v1/chat/interactive", """
                {"prompt": "In the beginning", "session_id": 21, "interactive_mode": true,
                 "request_output_len": 1000, "ignore_eos": true}""").build(), HttpResponse.BodyHandlers.ofString());
        while (ts.engine.stats().running() == 0) {
            Thread.sleep(5);
        }
        // a second call on a busy session is refused
        HttpResponse<String> busy = ts.post("/v1/chat/interactive",
                "{\"prompt\": \"x\", \"session_id\": 21, \"interactive_mode\": true}");
        assertThat(busy.statusCode()).isEqualTo(400);
        assertThat(TestServer.json(busy.body()).get("error").get("param").asText()).isEqualTo("session_id");
        call("{\"session_id\": 21, \"cancel\": true}");
        // The cancel answers once the turn has ended: a next turn sent at once is not refused as busy
        // (it was, 8 times in 10).
        JsonNode next = call("{\"prompt\": \"Amen\", \"session_id\": 21, \"interactive_mode\": true, \"request_output_len\": 2}");
        JsonNode aborted = TestServer.json(running.get().body());
        assertThat(aborted.get("finish_reason").asText()).isEqualTo("abort");
        assertThat(aborted.get("tokens").asInt()).isLessThan(1000);
        assertThat(next.get("history_tokens").asInt()).isEqualTo(aborted.get("input_tokens").asInt()
                + aborted.get("tokens").asInt());
        call("{\"prompt\": \"\", \"session_id\": 21, \"request_output_len\": 0}");
        assertThat(ts.awaitAllBlocksFree().sessions()).isZero();
    }

    @Test
    void aSessionWithoutAnIdNeverTakesOverAClientsSession() throws Exception {
        // 2^50 was where the ids handed out for session_id -1 began
        long id = 1L << 50;
        JsonNode mine = call("{\"prompt\": \"Who was Moses?\", \"session_id\": " + id
                + ", \"interactive_mode\": true, \"request_output_len\": 3, \"temperature\": 0}");
        JsonNode anonymous = call("{\"prompt\": \"Hi\", \"session_id\": -1, \"request_output_len\": 3, \"temperature\": 0}");
        assertThat(anonymous.get("history_tokens").asInt()).as("it started from nothing").isZero();
        JsonNode next = call("{\"prompt\": \"And Aaron?\", \"session_id\": " + id
                + ", \"interactive_mode\": true, \"request_output_len\": 2, \"temperature\": 0}");
        assertThat(next.get("history_tokens").asInt()).as("the session is still there")
                .isGreaterThanOrEqualTo(mine.get("input_tokens").asInt());
        call("{\"prompt\": \"\", \"session_id\": " + id + ", \"request_output_len\": 0}");
        assertThat(ts.awaitAllBlocksFree().sessions()).isZero();
    }

    @Test
    void aRequestWithoutAPromptIsRefusedAsInLmdeploy() throws Exception {
        // It was taken as "" and generated text from the session's history alone.
        HttpResponse<String> r = ts.post("/v1/chat/interactive", "{\"session_id\": 12, \"interactive_mode\": true}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("prompt is required").contains("\"param\":\"prompt\"");
    }
}
