package dev.turbo4j.cli;

import dev.turbo4j.server.http.ConnectFailure;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turbo4j.server.http.Json;
import dev.turbo4j.server.lmdeploy.InteractiveResponse;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * A running api_server seen from the command line (java.net.http): its model, and LMDeploy's
 * stateful {@code /v1/chat/interactive}, where the server keeps each session's history so
 * that a turn sends only its new message. Failures (unreachable, error answers) are
 * {@link UserException}s with one readable line.
 */
final class ApiServerClient {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SHORT_CALL = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT).build();
    private final String base;
    private final String apiKey;

    /**
     * @param url    the api_server, e.g. {@code http://localhost:23333}
     * @param apiKey its API key, or null
     */
    ApiServerClient(String url, String apiKey) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new UserException("not a URL: '" + url + "'");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new UserException("the api_server URL must look like http://host:port, got '" + url + "'");
        }
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.apiKey = apiKey;
    }

    String url() {
        return base;
    }

    /** Sampling for a turn; null fields leave the server's defaults. */
    record Sampling(Float temperature, Float topP, Integer topK, Integer maxNewTokens) {
    }

    /** How a turn went: the server's last line, and the times seen here. */
    record Turn(InteractiveResponse last, long firstTextNanos, long totalNanos) {
    }

    /** The served model's id (GET /v1/models); also the check that the server answers at all. */
    String modelName() {
        JsonNode models = readJson(send(request("/v1/models").timeout(SHORT_CALL).GET()));
        JsonNode first = models.path("data").path(0).path("id");
        return first.isTextual() ? first.asText() : "unknown model";
    }

    /**
     * Sends one user turn to session {@code sessionId} (kept on the server for the next turn)
     * and streams the answer's text to {@code onText} as it arrives.
     */
    Turn chat(long sessionId, String prompt, Sampling sampling, Consumer<String> onText) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("prompt", prompt).put("session_id", sessionId)
                .put("interactive_mode", true).put("stream", true);
        putIfSet(body, "temperature", sampling.temperature());
        putIfSet(body, "top_p", sampling.topP());
        putIfSet(body, "top_k", sampling.topK());
        putIfSet(body, "request_output_len", sampling.maxNewTokens());
        long start = System.nanoTime();
        HttpResponse<InputStream> response = send(post("/v1/chat/interactive", body));
        long firstText = -1;
        InteractiveResponse last = null;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                last = Json.MAPPER.readValue(line, InteractiveResponse.class);
                if (!last.text().isEmpty()) {
                    if (firstText < 0) {
                        firstText = System.nanoTime() - start;
                    }
                    onText.accept(last.text());
                }
            }
        } catch (JacksonException e) {
            throw new UserException("the api_server at " + base + " sent a line that is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UserException("the connection to " + base + " broke off mid-answer: " + ConnectFailure.describe(e));
        }
        if (last == null) {
            throw new UserException("the api_server at " + base + " ended the answer without a word");
        }
        return new Turn(last, firstText, System.nanoTime() - start);
    }

    /** Stops the session's running answer; what was generated stays in its history. */
    void cancel(long sessionId) {
        readJson(send(post("/v1/chat/interactive", Json.MAPPER.createObjectNode().put("session_id", sessionId)
                .put("cancel", true)).timeout(SHORT_CALL)));
    }

    /** Ends the session on the server, freeing its history and KV cache (LMDeploy's way: an empty non-interactive turn of 0 tokens). */
    void endSession(long sessionId) {
        readJson(send(post("/v1/chat/interactive", Json.MAPPER.createObjectNode().put("prompt", "")
                .put("session_id", sessionId).put("interactive_mode", false).put("request_output_len", 0))
                .timeout(SHORT_CALL)));
    }

    private static void putIfSet(ObjectNode body, String field, Number value) {
        if (value instanceof Float f) {
            body.put(field, f);
        } else if (value instanceof Integer i) {
            body.put(field, i);
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (apiKey != null) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        return b;
    }

    private HttpRequest.Builder post(String path, JsonNode body) {
        return request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    }

    /** Sends; a refused connection or an error status becomes a one-line {@link UserException}. */
    private HttpResponse<InputStream> send(HttpRequest.Builder request) {
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new UserException("cannot reach the api_server at " + base + ": " + ConnectFailure.describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserException("interrupted while talking to " + base);
        }
        if (response.statusCode() != 200) {
            throw new UserException(errorMessage(response));
        }
        return response;
    }

    private JsonNode readJson(HttpResponse<InputStream> response) {
        try (InputStream in = response.body()) {
            return Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UserException("the api_server at " + base + " sent no readable JSON: " + ConnectFailure.describe(e));
        }
    }

    /** OpenAI's {@code error.message} when the body has one, else the status and the start of the body. */
    private String errorMessage(HttpResponse<InputStream> response) {
        String body;
        try (InputStream in = response.body()) {
            body = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
        } catch (IOException e) {
            body = "";
        }
        String message;
        try {
            message = Json.MAPPER.readTree(body).path("error").path("message").asText(null);
        } catch (JacksonException e) {
            message = null;
        }
        if (message == null) {
            message = body.isBlank() ? "no details" : body.strip();
        }
        return "the api_server answered HTTP " + response.statusCode() + ": " + message;
    }
}
