package dev.turbo4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turbo4j.server.docs.ApiDocs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** /health, /metrics, /v1/engine/state, /v1/encode, /openapi.json, /docs and /. */
class OperationsTest {
    static TestServer ts;

    @BeforeAll
    static void start() {
        ts = TestServer.start();
    }

    @AfterAll
    static void stop() {
        ts.close();
    }

    @Test
    void healthAndEngineState() throws Exception {
        assertThat(TestServer.json(ts.get("/health").body()).get("status").asText()).isEqualTo("ok");
        JsonNode state = TestServer.json(ts.get("/v1/engine/state").body());
        assertThat(state.get("model").asText()).isEqualTo(TestServer.MODEL);
        assertThat(state.get("session_len").asInt()).isEqualTo(1024);
        JsonNode engine = state.get("engine");
        int total = engine.get("total_blocks").asInt();
        assertThat(total).isPositive();
        assertThat(engine.get("block_states").asText()).hasSize(total).matches("[FAC]+");
        assertThat(engine.has("running") && engine.has("waiting") && engine.has("free_blocks")).isTrue();
    }

    @Test
    void metricsArePrometheusTextWithRequestsTokensAndKvBlocks() throws Exception {
        ts.get("/no/such/route/" + System.nanoTime());
        ts.post("/v1/completions", "{\"prompt\": \"Amen\", \"max_tokens\": 3, \"ignore_eos\": true}");
        ts.post("/v1/completions", "{\"prompt\": \"Amen\", \"temperature\": -1}");
        HttpResponse<String> r = ts.get("/metrics");
        assertThat(r.headers().firstValue("content-type")).get().asString().startsWith("text/plain");
        String m = r.body();
        assertThat(m).contains("turbo4j_http_requests_total{method=\"POST\",route=\"/v1/completions\",status=\"200\"} ")
                .contains("turbo4j_http_requests_total{method=\"POST\",route=\"/v1/completions\",status=\"400\"} 1")
                .contains("turbo4j_http_request_duration_seconds_bucket{method=\"POST\",route=\"/v1/completions\",le=\"+Inf\"}")
                // no route: one bounded label, never the raw path
                .contains("turbo4j_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} ")
                .doesNotContain("/no/such/route")
                .contains("# TYPE turbo4j_requests_running gauge").contains("turbo4j_requests_waiting 0")
                .contains("turbo4j_kv_blocks{state=\"free\"} ").contains("turbo4j_kv_blocks{state=\"active\"} ")
                .contains("turbo4j_kv_blocks{state=\"cached\"} ");
        long generated = Long.parseLong(m.lines().filter(l -> l.startsWith("turbo4j_generated_tokens_total "))
                .findFirst().orElseThrow().split(" ")[1]);
        assertThat(generated).isGreaterThanOrEqualTo(3);
        // every sample line is "name{labels} value" or "name value"
        m.lines().filter(l -> !l.startsWith("#")).forEach(l -> assertThat(l).matches("[a-z0-9_]+(\\{.*\\})? [0-9.eE+-]+"));
    }

    @Test
    void encodeTokenizes() throws Exception {
        JsonNode one = TestServer.json(ts.post("/v1/encode", "{\"input\": \"In the beginning\"}").body());
        int[] expected = ts.engine.tokenizer().encode("In the beginning", true);
        assertThat(one.get("length").asInt()).isEqualTo(expected.length);
        assertThat(one.get("input_ids").get(0).asInt()).isEqualTo(expected[0]);
        JsonNode many = TestServer.json(ts.post("/v1/encode", "{\"input\": [\"a\", \"b c\"], \"add_bos\": false}").body());
        assertThat(many.get("input_ids")).hasSize(2);
        assertThat(many.get("length").get(1).asInt()).isEqualTo(ts.engine.tokenizer().encode("b c", false).length);
        assertThat(ts.post("/v1/encode", "{\"input\": 3}").statusCode()).isEqualTo(400);
    }

    @Test
    void openApiDescribesEveryRoute() throws Exception {
        JsonNode spec = TestServer.json(ts.get("/openapi.json").body());
        assertThat(spec.get("openapi").asText()).startsWith("3.");
        JsonNode paths = spec.get("paths");
        List<String[]> routes = List.of(new String[] {"/v1/models", "get"}, new String[] {"/v1/models/{model}", "get"},
                new String[] {"/v1/chat/completions", "post"},
                new String[] {"/v1/completions", "post"}, new String[] {"/v1/chat/interactive", "post"},
                new String[] {"/v1/encode", "post"}, new String[] {"/v1/engine/state", "get"},
                new String[] {"/health", "get"}, new String[] {"/metrics", "get"}, new String[] {"/openapi.json", "get"},
                new String[] {"/docs", "get"}, new String[] {"/ui", "get"}, new String[] {"/", "get"});
        for (String[] route : routes) {
            assertThat(paths.has(route[0])).as(route[0]).isTrue();
            assertThat(paths.get(route[0]).has(route[1])).as(route[0]).isTrue();
        }
        assertThat(paths.size()).isEqualTo(routes.size());
        // every field the request records accept is documented
        JsonNode schemas = spec.get("components").get("schemas");
        assertDocumented(schemas.get("ChatCompletionRequest"), dev.turbo4j.server.openai.ChatCompletionRequest.class);
        assertDocumented(schemas.get("CompletionRequest"), dev.turbo4j.server.openai.CompletionRequest.class);
        assertDocumented(schemas.get("InteractiveRequest"), dev.turbo4j.server.lmdeploy.InteractiveRequest.class);
        assertThat(ApiDocs.openApiJson()).contains("{{MODEL}}");
        assertThat(spec.toString()).doesNotContain("{{MODEL}}").contains(TestServer.MODEL);
    }

    static void assertDocumented(JsonNode schema, Class<? extends Record> type) {
        for (var c : type.getRecordComponents()) {
            String snake = c.getName().replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT);
            assertThat(schema.get("properties").has(snake)).as(type.getSimpleName() + "." + snake).isTrue();
        }
    }

    @Test
    void swaggerUiAtDocsAndTheRootRedirects() throws Exception {
        HttpResponse<String> docs = ts.get("/docs");
        assertThat(docs.statusCode()).isEqualTo(200);
        assertThat(docs.body()).contains("SwaggerUIBundle").contains("/openapi.json");
        String bundle = docs.body().replaceAll("(?s).*src=\"([^\"]+swagger-ui-bundle\\.js)\".*", "$1");
        HttpResponse<String> js = ts.get(bundle);
        assertThat(js.statusCode()).as(bundle).isEqualTo(200);
        assertThat(js.body().length()).isGreaterThan(100_000);
        HttpResponse<String> root = ts.http.send(HttpRequest.newBuilder(URI.create(ts.url() + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(root.statusCode()).isEqualTo(302);
        assertThat(root.headers().firstValue("Location")).contains("/docs");
    }
}
