package dev.turbo4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turbo4j.engine.EngineStats;
import dev.turbo4j.server.webui.WebUiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web UI over HTTP: the api_server's /ui, and the webui server in front of an api_server
 * (its page and files, the API routes it forwards, keys, an unreachable backend, and a browser
 * leaving mid-answer).
 */
class WebUiHttpTest {
    static final List<String> FILES = List.of("app.js", "api.js", "chat-view.js", "kv-panel.js", "markdown.js",
            "style.css", "favicon.svg");
    static TestServer ts;
    static WebUiServer ui;

    @BeforeAll
    static void start() {
        ts = TestServer.start();
        ui = WebUiServer.start(URI.create(ts.url()), null, "127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        ui.close();
        ts.close();
    }

    static HttpResponse<String> get(String url) throws Exception {
        return ts.http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void apiServerServesTheUiAtSlashUi() throws Exception {
        HttpResponse<String> page = ts.get("/ui");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).get().asString().startsWith("text/html");
        assertThat(page.body()).contains("<base href=\"/ui/\">").contains("src=\"app.js\"").contains("id=\"kv-grid\"");
        assertThat(page.headers().firstValue("Content-Security-Policy")).get().asString()
                .contains("script-src 'self'").contains("connect-src 'self'");
        assertFilesServed(ts.url() + "/ui/");
        HttpResponse<String> missing = ts.get("/ui/secret.js");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(TestServer.json(missing.body()).get("error").get("message").asText()).contains("/ui/secret.js");
        assertThat(ts.get("/ui/..%2Fopenapi.json").statusCode()).isEqualTo(404);
    }

    @Test
    void webUiServerServesThePageAtTheRoot() throws Exception {
        HttpResponse<String> page = get(ui.url() + "/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<base href=\"/\">").contains("Turbo4j");
        assertFilesServed(ui.url() + "/");
    }

    static void assertFilesServed(String base) throws Exception {
        for (String file : FILES) {
            HttpResponse<String> r = get(base + file);
            assertThat(r.statusCode()).as(file).isEqualTo(200);
            String type = file.endsWith(".js") ? "text/javascript" : file.endsWith(".css") ? "text/css" : "image/svg+xml";
            assertThat(r.headers().firstValue("Content-Type")).as(file).get().asString().startsWith(type);
            assertThat(r.body()).as(file).isNotBlank();
        }
    }

    @Test
    void webUiServerForwardsTheUisApiRoutesOnly() throws Exception {
        JsonNode models = TestServer.json(get(ui.url() + "/v1/models").body());
        assertThat(models.get("data").get(0).get("id").asText()).isEqualTo(TestServer.MODEL);
        JsonNode state = TestServer.json(get(ui.url() + "/v1/engine/state").body());
        assertThat(state.get("engine").get("block_states").asText()).matches("[FAC]+");

        HttpResponse<String> stream = ts.http.send(HttpRequest.newBuilder(URI.create(ui.url() + "/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("""
                        {"messages": [{"role": "user", "content": "Who is the LORD?"}], "stream": true,
                         "max_tokens": 6, "temperature": 0}""")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("Content-Type")).get().asString().startsWith("text/event-stream");
        assertThat(stream.body()).startsWith("data: {").endsWith("data: [DONE]\n\n");

        // errors come back as the api_server sent them
        HttpResponse<String> bad = ts.http.send(HttpRequest.newBuilder(URI.create(ui.url() + "/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"temperature\": -1}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(TestServer.json(bad.body()).get("error").get("param").asText()).isEqualTo("temperature");

        // nothing else of the api_server is reachable through the UI's server
        assertThat(get(ui.url() + "/metrics").statusCode()).isEqualTo(404);
        assertThat(ts.http.send(HttpRequest.newBuilder(URI.create(ui.url() + "/v1/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"x\"}")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
    }

    @Test
    void aBrowserLeavingMidAnswerLeavesNoRequestOrBlockBehindTheProxy() throws Exception {
        long before = ts.awaitAllBlocksFree().generatedTokens();
        HttpResponse<InputStream> r = ts.http.send(HttpRequest.newBuilder(URI.create(ui.url() + "/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("""
                        {"messages": [{"role": "user", "content": "Sing"}], "stream": true, "max_tokens": 1000,
                         "ignore_eos": true}""")).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            String seen = "";
            while (seen.split("data: ", -1).length < 6) { // the answer is under way
                byte[] some = new byte[512];
                int n = in.read(some);
                assertThat(n).isPositive();
                seen += new String(some, 0, n, java.nio.charset.StandardCharsets.UTF_8);
            }
            assertThat(ts.engine.stats().activeBlocks()).isPositive();
        } // the browser goes away
        EngineStats after = ts.awaitAllBlocksFree();
        assertThat(after.running()).isZero();
        assertThat(after.freeBlocks()).isEqualTo(after.totalBlocks());
        // How many tokens ran before the cancel reached the engine depends on socket buffers and
        // the machine (the demo model can finish 1000 tokens in about a second); the direct
        // api_server disconnect test checks the cancellation itself.
        assertThat(after.generatedTokens() - before).isBetween(6L, 1000L);
    }

    @Test
    void theWebUiServerHoldsTheApiKeyAndNamesAnUnreachableServer() throws Exception {
        try (TestServer keyed = TestServer.start(TestServer.config().withApiKeys(List.of("sk-ui")));
             WebUiServer withKey = WebUiServer.start(URI.create(keyed.url()), "sk-ui", "127.0.0.1", 0);
             WebUiServer withoutKey = WebUiServer.start(URI.create(keyed.url()), null, "127.0.0.1", 0)) {
            assertThat(get(withKey.url() + "/v1/models").statusCode()).isEqualTo(200);
            assertThat(get(withoutKey.url() + "/v1/models").statusCode()).isEqualTo(401);
            // without a key of its own, the browser's is passed on
            assertThat(keyed.http.send(HttpRequest.newBuilder(URI.create(withoutKey.url() + "/v1/models"))
                    .header("Authorization", "Bearer sk-ui").build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(200);
        }
        try (WebUiServer dangling = WebUiServer.start(URI.create("http://127.0.0.1:1"), null, "127.0.0.1", 0)) {
            HttpResponse<String> r = get(dangling.url() + "/v1/models");
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(TestServer.json(r.body()).get("error").get("message").asText())
                    .contains("cannot reach the api_server at http://127.0.0.1:1");
            assertThat(get(dangling.url() + "/").statusCode()).isEqualTo(200); // the page still loads and can say so
        }
    }
}
