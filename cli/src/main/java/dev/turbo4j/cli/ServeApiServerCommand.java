package dev.turbo4j.cli;

import dev.turbo4j.server.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

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
        LocalApiServer local = LocalApiServer.start(dir, modelName, chatTemplate, engine, config);
        spec.commandLine().getOut().printf("turbo4j api_server listening on %s:%d: try %s/docs (web chat UI: %s/ui)%n",
                serverName, local.server().port(), local.server().url(), local.server().url());
        spec.commandLine().getOut().flush();
        Shutdown.closeOnSignal(local); // no new requests; running ones finish (10 s) or end with "abort"
        return 0;
    }
}
