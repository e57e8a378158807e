package dev.turbo4j.server.webui;

import dev.turbo4j.server.http.ApiException;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Forwards the web UI's API calls to an api_server, passing the answer through as it arrives
 * so that streamed tokens reach the browser at once.
 *
 * <p>Why a proxy rather than CORS: the browser only ever talks to the origin that served the
 * page, so the api_server needs no {@code --allow-origins}, the page's Content-Security-Policy
 * can stay {@code connect-src 'self'}, and an API key given to the webui server is added here
 * and never reaches the browser. When the browser goes away (the Stop button aborts its fetch),
 * closing the upstream response closes that connection too, and the api_server cancels the
 * generation at its next step.
 */
final class ApiProxy implements Handler {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT).build();
    private final String backend;
    private final String apiKey;

    /**
     * @param backend the api_server's base URL, e.g. {@code http://host:23333}
     * @param apiKey  the key to send it, or null to pass on the browser's Authorization header
     */
    ApiProxy(URI backend, String apiKey) {
        String url = backend.toString();
        this.backend = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.apiKey = apiKey;
    }

    @Override
    public void handle(Context ctx) throws InterruptedException {
        HttpResponse<InputStream> upstream = send(ctx);
        ctx.status(upstream.statusCode());
        upstream.headers().firstValue("Content-Type").ifPresent(ctx::contentType);
        ctx.header("Cache-Control", "no-cache");
        try (InputStream in = upstream.body()) {
            OutputStream out = ctx.res().getOutputStream();
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush(); // each streamed line goes out as soon as it came in
            }
        } catch (IOException e) {
            // The browser or the api_server left; leaving this block closes the upstream connection.
        }
    }

    private HttpResponse<InputStream> send(Context ctx) throws InterruptedException {
        String query = ctx.queryString() == null ? "" : "?" + ctx.queryString();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(backend + ctx.path() + query))
                .method(ctx.method().name(), ctx.method().equals(HandlerType.GET) ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(ctx.bodyAsBytes()));
        String contentType = ctx.header("Content-Type");
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        String authorization = apiKey != null ? "Bearer " + apiKey : ctx.header("Authorization");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw unreachable(dev.turbo4j.server.http.ConnectFailure.describe(e));
        }
    }

    private ApiException unreachable(String why) {
        return new ApiException(502, "server_error", null, "backend_unreachable",
                "cannot reach the api_server at " + backend + ": " + why);
    }
}
