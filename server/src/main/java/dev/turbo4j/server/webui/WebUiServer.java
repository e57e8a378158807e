package dev.turbo4j.server.webui;

import dev.turbo4j.server.http.ErrorHandlers;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ServerConnector;

import java.net.URI;
import java.time.Duration;
import java.util.logging.Logger;

/**
 * The web chat UI as its own server (LMDeploy's {@code serve gradio}): the page at {@code /}
 * and the few API routes it calls forwarded to an api_server by {@link ApiProxy}. The
 * api_server may be remote, or one started in-process on loopback; the UI works the same.
 *
 * <pre>{@code
 * try (WebUiServer ui = WebUiServer.start(URI.create("http://gpu-box:23333"), null, "0.0.0.0", 6006)) {
 *     ui.awaitStop();
 * }
 * }</pre>
 */
public final class WebUiServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(WebUiServer.class.getName());
    /** The routes the page calls; nothing else of the api_server is reachable through this server. */
    private static final String[] GET_ROUTES = {"/v1/models", "/v1/engine/state"};
    private static final String[] POST_ROUTES = {"/v1/chat/completions", "/v1/chat/interactive"};
    /** A long prefill sends nothing for a while; Jetty must not call that idle. */
    private static final Duration IDLE_TIMEOUT = Duration.ofMinutes(15);
    private static final long MAX_BODY_BYTES = 4L << 20;

    private final Javalin app;
    private final String serverName;

    private WebUiServer(URI backend, String apiKey, String serverName) {
        this.serverName = serverName;
        ApiProxy proxy = new ApiProxy(backend, apiKey);
        this.app = Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = true;
            cfg.startup.showJavalinBanner = false;
            cfg.startup.startupWatcherEnabled = false;
            cfg.http.maxRequestSize = MAX_BODY_BYTES;
            cfg.http.compressionStrategy = CompressionStrategy.NONE; // streamed tokens must not wait in a compressor
            cfg.router.ignoreTrailingSlashes = true;
            WebUiAssets.install(cfg.routes, "");
            for (String route : GET_ROUTES) {
                cfg.routes.get(route, proxy);
            }
            for (String route : POST_ROUTES) {
                cfg.routes.post(route, proxy);
            }
            ErrorHandlers.install(cfg.routes, MAX_BODY_BYTES);
        });
    }

    /**
     * Starts serving the UI over {@code backend}.
     *
     * @param backend    the api_server's base URL, e.g. {@code http://127.0.0.1:23333}
     * @param apiKey     the api_server's key (kept on this server), or null
     * @param serverName host/interface to bind
     * @param serverPort port; 0 picks a free one
     */
    public static WebUiServer start(URI backend, String apiKey, String serverName, int serverPort) {
        String scheme = backend.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme) || backend.getHost() == null) {
            throw new IllegalArgumentException("the api_server URL must look like http://host:port, got '" + backend + "'");
        }
        WebUiServer server = new WebUiServer(backend, apiKey, serverName);
        server.app.start(serverName, serverPort);
        for (Connector c : server.app.jettyServer().server().getConnectors()) {
            if (c instanceof ServerConnector sc) {
                sc.setIdleTimeout(IDLE_TIMEOUT.toMillis());
            }
        }
        LOG.info("web UI on " + server.url() + " over the api_server at " + backend);
        return server;
    }

    /** The port it listens on (the chosen one when started on port 0). */
    public int port() {
        return app.port();
    }

    /** {@code http://host:port}, with 127.0.0.1 for a wildcard bind. */
    public String url() {
        String host = serverName.equals("0.0.0.0") || serverName.equals("::") ? "127.0.0.1" : serverName;
        return "http://" + host + ":" + port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
