package dev.turbo4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Every failure is OpenAI-shaped JSON with the right status, and the server keeps serving. */
class ErrorsTest {
    static TestServer ts;

    @BeforeAll
    static void start() {
        ts = TestServer.start(TestServer.config().withMaxBodyBytes(8192).withMaxConcurrentRequests(2));
    }

    @AfterAll
    static void stop() {
        ts.close();
    }

    /** Asserts the status and the envelope; returns error.* for more checks. */
    static JsonNode error(HttpResponse<String> r, int status) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).get().asString().startsWith("application/json");
        JsonNode e = TestServer.json(r.body()).get("error");
        assertThat(e).isNotNull();
        assertThat(e.get("message").asText()).isNotBlank().doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(e.has("type") && e.has("param") && e.has("code")).isTrue();
        return e;
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "{\"messages\": \"hi\", \"temperature\": -1}|temperature",
            "{\"messages\": \"hi\", \"temperature\": \"hot\"}|temperature",
            "{\"messages\": \"hi\", \"top_p\": 0}|top_p",
            "{\"messages\": \"hi\", \"top_p\": 1.5}|top_p",
            "{\"messages\": \"hi\", \"max_tokens\": 0}|max_tokens",
            "{\"messages\": \"hi\", \"max_tokens\": 1.5}|max_tokens",
            "{\"messages\": \"hi\", \"max_completion_tokens\": -3}|max_completion_tokens",
            "{\"messages\": \"hi\", \"n\": 0}|n",
            "{\"messages\": \"hi\", \"presence_penalty\": 2.5}|presence_penalty",
            "{\"messages\": \"hi\", \"frequency_penalty\": -9}|frequency_penalty",
            "{\"messages\": \"hi\", \"logit_bias\": {\"abc\": 1}}|logit_bias",
            "{\"messages\": \"hi\", \"logit_bias\": {\"5\": 200}}|logit_bias",
            "{\"messages\": \"hi\", \"logprobs\": true, \"top_logprobs\": 21}|top_logprobs",
            "{\"messages\": \"hi\", \"stop\": 3}|stop",
            "{\"messages\": \"hi\", \"stream\": \"yes\"}|stream",
            "{\"messages\": \"hi\", \"top_k\": -2}|top_k",
            "{\"messages\": \"hi\", \"min_p\": 2}|min_p",
            "{\"messages\": \"hi\", \"repetition_penalty\": 0}|repetition_penalty",
            "{\"messages\": \"hi\", \"min_new_tokens\": -1}|min_new_tokens",
            "{\"messages\": \"hi\", \"stream_options\": {\"include_usage\": true}}|stream_options",
            "{\"messages\": \"hi\", \"response_format\": {\"type\": \"json_object\"}}|response_format",
            "{\"messages\": \"hi\", \"response_format\": {\"type\": \"json_schema\", \"json_schema\": {}}}|response_format",
            "{\"messages\": \"hi\", \"tools\": [], \"tool_choice\": \"required\"}|tool_choice",
            "{\"messages\": \"hi\", \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"f\"}}}|tool_choice",
            "{\"messages\": 5}|messages",
            "{\"messages\": []}|messages",
            "{\"messages\": [{\"content\": \"no role\"}]}|messages[0].role",
            "{\"messages\": [{\"role\": \"user\"}]}|messages[0].content",
            "{\"messages\": [{\"role\": \"system\", \"content\": null}]}|messages[0].content",
            "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\"}]}]}|messages[0].content",
            "{}|messages"})
    void chatRejectsBadFieldsWith400NamingThem(String body, String param) throws Exception {
        JsonNode e = error(ts.post("/v1/chat/completions", body), 400);
        assertThat(e.get("param").asText()).isEqualTo(param);
        assertThat(e.get("type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void messagesTheTemplateRendersAsNothingAreSaidToBe() throws Exception {
        JsonNode e = error(ts.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"bogus\", \"content\": \"x\"}]}"), 400);
        assertThat(e.get("param").asText()).isEqualTo("messages");
        // it said "the prompt is empty", of a message that was not
        assertThat(e.get("message").asText()).contains("rendered these messages as an empty prompt; check their roles");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "{\"prompt\": \"hi\", \"suffix\": \"end\"}|suffix",
            "{\"prompt\": \"hi\", \"logprobs\": 6}|logprobs",
            "{\"prompt\": \"hi\", \"max_tokens\": 0}|max_tokens",
            "{\"prompt\": [99999]}|prompt",
            "{\"prompt\": [[1, 2], \"x\", 3]}|prompt[2]",
            "{\"prompt\": []}|prompt",
            "{\"prompt\": \"hi\", \"n\": 17}|n",
            "{\"prompt\": \"hi\", \"stream\": false, \"stream_options\": {\"include_usage\": true}}|stream_options"})
    void completionsRejectBadFieldsWith400(String body, String param) throws Exception {
        assertThat(error(ts.post("/v1/completions", body), 400).get("param").asText()).isEqualTo(param);
    }

    @Test
    void textResponseFormatAndToolsTheModelMayIgnoreAreAccepted() throws Exception {
        for (String extra : List.of("\"response_format\": {\"type\": \"text\"}",
                "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}], \"tool_choice\": \"auto\"",
                "\"tool_choice\": \"none\"", "\"stream\": true, \"stream_options\": {\"include_usage\": true}")) {
            HttpResponse<String> r = ts.post("/v1/chat/completions", "{\"messages\": \"hi\", \"max_tokens\": 2, " + extra + "}");
            assertThat(r.statusCode()).as(extra).isEqualTo(200);
        }
    }

    @Test
    void malformedJsonIs400() throws Exception {
        for (String body : List.of("{\"messages\": ", "not json", "[1, 2]", "", "{\"messages\": \"hi\"} trailing")) {
            error(ts.post("/v1/chat/completions", body), 400);
        }
        // the parser's words and where, without its internals
        JsonNode open = error(ts.post("/v1/chat/completions", "{\"messages\": ["), 400);
        assertThat(open.get("message").asText())
                .startsWith("the request body is not valid JSON: Unexpected end-of-input: expected close marker for Array")
                .endsWith("(at line 1, column 15)")
                .doesNotContain("Source").doesNotContain("start marker");
    }

    @Test
    void aNumberOutOfItsFieldsRangeIs400NamingItWithoutTheParsersLocation() throws Exception {
        for (String field : List.of("max_tokens", "seed")) {
            JsonNode e = error(ts.post("/v1/chat/completions",
                    "{\"messages\": \"hi\", \"" + field + "\": 99999999999999999999}"), 400);
            assertThat(e.get("param").asText()).isEqualTo(field);
            assertThat(e.get("message").asText()).contains("out of range").doesNotContain("Source").doesNotContain("\n");
        }
    }

    @Test
    void aPromptLongerThanTheSessionIs400SayingHowLong() throws Exception {
        String prompt = "And it came to pass ".repeat(400);
        JsonNode e = error(ts.post("/v1/completions", "{\"prompt\": \"" + prompt + "\"}"), 400);
        int tokens = ts.engine.tokenizer().encode(prompt, true).length;
        assertThat(e.get("message").asText()).contains(Integer.toString(tokens)).contains("1024");
        assertThat(e.get("code").asText()).isEqualTo("context_length_exceeded");
        assertThat(e.get("param").asText()).isEqualTo("prompt");
    }

    @Test
    void unknownModelAndRouteAre404() throws Exception {
        JsonNode e = error(ts.post("/v1/chat/completions", "{\"model\": \"gpt-4\", \"messages\": \"hi\"}"), 404);
        assertThat(e.get("code").asText()).isEqualTo("model_not_found");
        assertThat(e.get("message").asText()).contains("gpt-4");
        error(ts.get("/v1/nothing/here"), 404);
        error(ts.post("/v2/chat/completions", "{}"), 404);
    }

    @Test
    void aKnownRouteWithTheWrongMethodIs405SayingWhichOne() throws Exception {
        HttpResponse<String> get = ts.get("/v1/chat/completions");
        JsonNode e = error(get, 405);
        assertThat(e.get("code").asText()).isEqualTo("method_not_allowed");
        assertThat(e.get("message").asText()).isEqualTo("method GET is not allowed on /v1/chat/completions; use POST (see /docs)");
        assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        error(ts.post("/v1/models", "{}"), 405);
    }

    @Test
    void anOversizedBodyIs413() throws Exception {
        String big = "{\"prompt\": \"" + "x".repeat(20_000) + "\"}";
        error(ts.post("/v1/completions", big), 413);
    }

    @Test
    void tooManyConcurrentRequestsAre429AndTheServerRecovers() throws Exception {
        String longStream = "{\"messages\": \"hi\", \"stream\": true, \"max_tokens\": 1000, \"ignore_eos\": true}";
        InputStream[] held = new InputStream[2];
        for (int i = 0; i < 2; i++) {
            held[i] = ts.http.send(ts.request("/v1/chat/completions", longStream).build(),
                    HttpResponse.BodyHandlers.ofInputStream()).body();
            held[i].read(); // the stream is open: the request holds its slot
        }
        JsonNode e = error(ts.post("/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 2}"), 429);
        assertThat(e.get("message").asText()).contains("2");
        for (InputStream in : held) {
            in.close();
        }
        for (int i = 0; i < 200 && ts.server.admission().inFlight() > 0; i++) {
            TimeUnit.MILLISECONDS.sleep(10);
        }
        assertThat(ts.post("/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 2}").statusCode()).isEqualTo(200);
    }

    @Test
    void badInputNeverYields500AndOthersAreStillServed() throws Exception {
        List<String> junk = List.of("{\"messages\": {\"role\": 1}}", "{\"messages\": [null]}", "{\"messages\": [1]}",
                "{\"messages\": \"hi\", \"seed\": \"x\"}", "{\"messages\": \"hi\", \"logit_bias\": [1]}",
                "{\"messages\": \"hi\", \"stream_options\": 5}", "{\"messages\": \"hi\", \"n\": 1e9}",
                "{\"messages\": \"hi\", \"max_tokens\": 99999999999}", "{\"messages\": \"hi\", \"session_id\": -5}",
                "{\"messages\": [{\"role\": \"user\", \"content\": [\"str\"]}]}");
        for (String body : junk) {
            HttpResponse<String> r = ts.post("/v1/chat/completions", body);
            assertThat(r.statusCode()).as(body + " -> " + r.body()).isBetween(400, 499);
            error(r, r.statusCode());
        }
        HttpResponse<String> ok = ts.http.send(HttpRequest.newBuilder(URI.create(ts.url() + "/v1/models")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).isEqualTo(200);
    }
}
