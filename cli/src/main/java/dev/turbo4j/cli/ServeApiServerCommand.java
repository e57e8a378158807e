package dev.turbo4j.cli;

import dev.turbo4j.core.chat.ChatTemplates;
import dev.turbo4j.engine.Engine;
import dev.turbo4j.engine.LocalModel;
import dev.turbo4j.server.ApiServer;
import dev.turbo4j.server.ServedModel;
import dev.turbo4j.server.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code turbo4j serve api_server MODEL}: the OpenAI-compatible server until SIGTERM or Ctrl-C,
 * which it answers gracefully (no new requests; running ones finish or end with "abort").
 */
@Command(name = "api_server", mixinStandardHelpOptions = true,
        description = {"Serve a model with an OpenAI-compatible REST API (Swagger UI at /docs).",
                "Routes: /v1/models, /v1/chat/completions, /v1/completions, /v1/chat/interactive, /v1/encode,",
                "/v1/engine/state, /health, /metrics, /openapi.json."})
final class ServeApiServerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL", description = "Model folder (default: the bundled demo model).")
    String model;

    @Option(names = "--server-name", defaultValue = "0.0.0.0", description = "Host to bind (default: ${DEFAULT-VALUE}).")
    String serverName;

    @Option(names = "--server-port", defaultValue = "23333", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int serverPort;

    @Option(names = "--api-keys", arity = "1..*", paramLabel = "KEY", description = "Accepted API keys: /v1 routes then need 'Authorization: Bearer KEY'.")
    List<String> apiKeys = new ArrayList<>();

    @Option(names = "--model-name", description = "The model id clients use (default: the folder's name).")
    String modelName;

    @Option(names = "--allow-origins", arity = "1..*", paramLabel = "ORIGIN", description = "CORS origins allowed, e.g. http://localhost:6006, or '*'.")
    List<String> allowOrigins = new ArrayList<>();

    @Option(names = "--max-concurrent-requests", defaultValue = "256", description = "Generation requests answered at once; more get HTTP 429 (default: ${DEFAULT-VALUE}).")
    int maxConcurrentRequests;

    @Option(names = "--chat-template", paramLabel = "NAME", description = "Built-in template name or a .jinja file (default: the model's own).")
    String chatTemplate;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() throws Exception {
        Path dir = ModelPaths.resolve(model);
        ServerConfig config;
        try {
            config = ServerConfig.defaults().withServerName(serverName).withServerPort(serverPort).withApiKeys(apiKeys)
                    .withAllowOrigins(allowOrigins).withMaxConcurrentRequests(maxConcurrentRequests);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage().replace('_', '-'));
        }
        LocalModel lm = LocalModel.open(dir, engine.threads());
        Engine eng;
        ApiServer server;
        try {
            var template = ChatTemplates.resolve(dir, chatTemplate);
            eng = Engine.start(lm, engine.config());
            String name = modelName != null ? modelName : dir.toAbsolutePath().normalize().getFileName().toString();
            try {
                server = ApiServer.start(new ServedModel(eng, name, template), config);
            } catch (RuntimeException e) {
                eng.close();
                throw new UserException("cannot listen on " + serverName + ":" + serverPort + ": " + rootMessage(e));
            }
        } catch (RuntimeException e) {
            lm.close();
            throw e;
        }
        spec.commandLine().getOut().printf("turbo4j api_server listening on %s:%d: try %s/docs%n", serverName,
                server.port(), server.url());
        spec.commandLine().getOut().flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("turbo4j-shutdown").unstarted(() -> {
            server.shutdown(Duration.ofSeconds(10));
            eng.close();
            lm.close();
            stopped.countDown();
        }));
        stopped.await(); // until SIGTERM/SIGINT runs the hook
        return 0;
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) {
            e = e.getCause();
        }
        return e.getMessage();
    }
}
