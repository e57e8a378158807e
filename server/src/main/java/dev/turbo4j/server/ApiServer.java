package dev.turbo4j.server;

import dev.turbo4j.server.docs.ApiDocs;
import dev.turbo4j.server.http.ApiKeyAuth;
import dev.turbo4j.server.http.ErrorHandlers;
import dev.turbo4j.server.http.Json;
import dev.turbo4j.server.lmdeploy.EncodeHandler;
import dev.turbo4j.server.lmdeploy.InteractiveHandler;
import dev.turbo4j.server.metrics.ServerMetrics;
import dev.turbo4j.server.openai.ChatCompletionsHandler;
import dev.turbo4j.server.openai.CompletionsHandler;
import dev.turbo4j.server.openai.ModelsHandler;
import dev.turbo4j.server.status.EngineStateHandler;
import dev.turbo4j.server.status.HealthHandler;
import dev.turbo4j.server.webui.WebUiAssets;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.json.JavalinJackson;
import io.javalin.router.Endpoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ServerConnector;

import java.time.Duration;
import java.util.logging.Logger;

/**
 * The api_server: LMDeploy's routes and OpenAI's over one engine, on Javalin 7 (Jetty 12) with a
 * virtual thread per request, each blocking on its generation streams. Start with
 * {@link #start}; {@link #close} shuts down gracefully.
 *
 * <pre>{@code
 * try (Engine engine = Engine.start(model, EngineConfig.defaults());
 *      ApiServer server = ApiServer.start(new ServedModel(engine, "kjv", template), ServerConfig.defaults())) {
 *     server.awaitShutdown();
 * }
 * }</pre>
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ApiServer.class.getName());
    /** Long non-streamed generations send nothing for a while; Jetty must not call that idle. */
    private static final Duration IDLE_TIMEOUT = Duration.ofMinutes(15);
    /** After aborting, how long streams get to send their final events. */
    private static final Duration ABORT_WAIT = Duration.ofSeconds(5);

    private final Javalin app;
    private final ServedModel model;
    private final ServerConfig config;
    private final Admission admission;
    private final ServerMetrics metrics;
    private volatile boolean closed;

    private ApiServer(ServedModel model, ServerConfig config) {
        this.model = model;
        this.config = config;
        this.admission = new Admission(config.maxConcurrentRequests());
        this.metrics = new ServerMetrics(model, admission);
        this.app = Javalin.create(cfg -> {
            cfg.concurrency.useVirtualThreads = true;
            cfg.startup.showJavalinBanner = false;
            cfg.startup.startupWatcherEnabled = false;
            cfg.http.maxRequestSize = config.maxBodyBytes();
            // Small JSON and token streams: compression costs latency.
            cfg.http.compressionStrategy = CompressionStrategy.NONE;
            cfg.jsonMapper(new JavalinJackson(Json.MAPPER, true));
            cfg.staticFiles.enableWebjars();
            cfg.router.ignoreTrailingSlashes = true;
            cfg.http.prefer405over404 = true; // a known route with the wrong method: 405, as FastAPI answers
            if (!config.allowOrigins().isEmpty()) {
                cfg.bundledPlugins.enableCors(cors -> cors.addRule(rule -> {
                    if (config.allowOrigins().contains("*")) {
                        rule.anyHost();
                    } else {
                        config.allowOrigins().forEach(o -> rule.allowHost(o));
                    }
                }));
            }
            cfg.requestLogger.http((ctx, ms) -> metrics.record(ctx.method().name(), route(ctx), ctx.status().getCode(),
                    ms / 1000.0));
            routes(cfg.routes); // Javalin 7 takes every route and handler up front, in the config
        });
    }

    private void routes(RoutesConfig routes) {
        if (!config.apiKeys().isEmpty()) {
            routes.before("/v1/*", new ApiKeyAuth(config.apiKeys()));
        }
        ModelsHandler models = new ModelsHandler(model);
        routes.get("/v1/models", models::list);
        routes.get("/v1/models/<model>", models::retrieve); // <..>: the id may hold slashes
        routes.post("/v1/chat/completions", new ChatCompletionsHandler(model, admission));
        routes.post("/v1/completions", new CompletionsHandler(model, admission));
        routes.post("/v1/chat/interactive", new InteractiveHandler(model, admission));
        routes.post("/v1/encode", new EncodeHandler(model));
        routes.get("/v1/engine/state", new EngineStateHandler(model, admission));
        routes.get("/health", new HealthHandler(admission));
        routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.render()));
        ApiDocs.install(routes, model.name());
        WebUiAssets.install(routes, "/ui"); // the web chat UI beside the API it calls
        ErrorHandlers.install(routes, config.maxBodyBytes());
    }

    /** The matched route pattern; "unmatched" for unknown paths and requests stopped before a route (401). */
    private static String route(Context ctx) {
        Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
        String path = endpoint == null ? null : endpoint.path;
        // A label per raw path would let scanners grow the metrics without bound.
        return path == null || path.isEmpty() || path.equals("*") ? "unmatched" : path;
    }

    /** Binds and starts serving. */
    public static ApiServer start(ServedModel model, ServerConfig config) {
        ApiServer server = new ApiServer(model, config);
        server.app.start(config.serverName(), config.serverPort());
        for (Connector c : server.app.jettyServer().server().getConnectors()) {
            if (c instanceof ServerConnector sc) {
                sc.setIdleTimeout(IDLE_TIMEOUT.toMillis());
            }
        }
        LOG.info("api_server serving '" + model.name() + "' on " + server.url() + " (Swagger UI: " + server.url() + "/docs)");
        return server;
    }

    /** The port it listens on (the chosen one when started on port 0). */
    public int port() {
        return app.port();
    }

    /** {@code http://host:port}, with 127.0.0.1 for a wildcard bind. */
    public String url() {
        String host = config.serverName().equals("0.0.0.0") || config.serverName().equals("::") ? "127.0.0.1"
                : config.serverName();
        return "http://" + host + ":" + port();
    }

    public Admission admission() {
        return admission;
    }

    /**
     * Graceful shutdown: new requests get 503, running ones may finish for {@code grace}, then
     * are aborted (streams end with a final finish_reason "abort" event and [DONE]); then
     * the HTTP server stops. The engine is the caller's to close.
     */
    public synchronized void shutdown(Duration grace) {
        if (closed) {
            return;
        }
        closed = true;
        try {
            admission.drain(grace, ABORT_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        app.stop();
    }

    @Override
    public void close() {
        shutdown(config.shutdownGrace());
    }
}
