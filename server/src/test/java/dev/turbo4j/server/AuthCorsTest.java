package dev.turbo4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** --api-keys guards /v1 with bearer keys; --allow-origins answers CORS. */
class AuthCorsTest {
    static TestServer ts;

    @BeforeAll
    static void start() {
        ts = TestServer.start(TestServer.config().withApiKeys(List.of("sk-one", "sk-two"))
                .withAllowOrigins(List.of("http://ui.example")));
    }

    @AfterAll
    static void stop() {
        ts.close();
    }

    HttpResponse<String> models(String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(ts.url() + "/v1/models"));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return ts.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void v1NeedsABearerKey() throws Exception {
        for (String bad : new String[] {null, "Bearer nope", "sk-one", "Basic c2stb25l"}) {
            HttpResponse<String> r = models(bad);
            assertThat(r.statusCode()).as(String.valueOf(bad)).isEqualTo(401);
            JsonNode e = TestServer.json(r.body()).get("error");
            assertThat(e.get("code").asText()).isEqualTo("invalid_api_key");
            assertThat(e.get("type").asText()).isEqualTo("invalid_request_error");
        }
        assertThat(models("Bearer sk-one").statusCode()).isEqualTo(200);
        assertThat(models("Bearer sk-two").statusCode()).isEqualTo(200);
        HttpResponse<String> post = ts.post("/v1/chat/completions", "{\"messages\": \"hi\"}");
        assertThat(post.statusCode()).isEqualTo(401);
        // outside /v1 no key is needed
        assertThat(ts.get("/health").statusCode()).isEqualTo(200);
        assertThat(ts.get("/metrics").statusCode()).isEqualTo(200);
        assertThat(ts.get("/openapi.json").statusCode()).isEqualTo(200);
        // refused before any route ran: counted under "unmatched", not the before-handler's pattern
        assertThat(ts.get("/metrics").body())
                .contains("turbo4j_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"401\"} 4")
                .doesNotContain("route=\"/v1/*\"");
    }

    @Test
    void corsAllowsTheConfiguredOriginOnly() throws Exception {
        HttpResponse<String> preflight = ts.http.send(HttpRequest.newBuilder(URI.create(ts.url() + "/v1/chat/completions"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "http://ui.example")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(preflight.statusCode()).isEqualTo(200);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).contains("http://ui.example");
        HttpResponse<String> allowed = ts.http.send(HttpRequest.newBuilder(URI.create(ts.url() + "/v1/models"))
                .header("Origin", "http://ui.example").header("Authorization", "Bearer sk-one").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).contains("http://ui.example");
        HttpResponse<String> other = ts.http.send(HttpRequest.newBuilder(URI.create(ts.url() + "/v1/models"))
                .header("Origin", "http://evil.example").header("Authorization", "Bearer sk-one").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }
}
