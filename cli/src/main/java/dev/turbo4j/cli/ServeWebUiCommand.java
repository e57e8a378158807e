package dev.turbo4j.cli;

import dev.turbo4j.server.ServerConfig;
import dev.turbo4j.server.webui.WebUiServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URI;
import java.util.concurrent.Callable;

/**
 * {@code turbo4j serve webui MODEL_OR_URL}: the web chat UI (LMDeploy's {@code serve gradio}).
 * Over a URL it serves the page and forwards the page's API calls to that api_server; over a
 * model folder it first starts the model and an api_server on loopback in this process, then
 * does the same, so both ways run one code path.
 */
@Command(name = "webui", mixinStandardHelpOptions = true,
        description = {"A web chat UI over a model run in-process, or over a running api_server URL.",
                "Streaming chat, sampling sliders, Stop / Regenerate / New chat, and the engine's KV cache drawn live.",
                "Open http://HOST:PORT/ in a browser."})
final class ServeWebUiCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL_OR_URL",
            description = "A model folder to run here (default: the bundled demo model), or an api_server URL such as http://host:23333.")
    String target;

    @Option(names = "--server-name", defaultValue = "0.0.0.0", description = "Host to bind (default: ${DEFAULT-VALUE}).")
    String serverName;

    @Option(names = "--server-port", defaultValue = "6006", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int serverPort;

    @Option(names = "--api-key", paramLabel = "KEY", description = "With a URL: the api_server's API key. It stays on this server; browsers never see it.")
    String apiKey;

    @Option(names = "--model-name", description = "With a model folder: the model id shown (default: the folder's name).")
    String modelName;

    @Option(names = "--chat-template", paramLabel = "NAME", description = "With a model folder: built-in template name or a .jinja file (default: the model's own).")
    String chatTemplate;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() throws Exception {
        if (serverPort < 0 || serverPort > 65535) {
            throw new UserException("--server-port must be in [0, 65535], got " + serverPort);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (isUrl(target)) {
            if (modelName != null || chatTemplate != null) {
                throw new UserException("--model-name and --chat-template apply to a model folder; the api_server at "
                        + target + " has its own");
            }
            warnIfUnreachable(new ApiServerClient(target, apiKey)); // a malformed URL fails here
            WebUiServer ui = startUi(target);
            announce(out, ui, "over the api_server at " + target);
            Shutdown.closeOnSignal(ui);
        } else {
            if (apiKey != null) {
                throw new UserException("--api-key is for an api_server URL; a model run here needs none");
            }
            // Loopback only: the UI's server is the one door, and it forwards only the routes the page uses.
            LocalApiServer local = LocalApiServer.start(ModelPaths.resolve(target), modelName, chatTemplate, engine,
                    ServerConfig.defaults().withServerName("127.0.0.1").withServerPort(0));
            WebUiServer ui;
            try {
                ui = startUi(local.server().url());
            } catch (RuntimeException e) {
                local.close();
                throw e;
            }
            announce(out, ui, "the model runs in this process, its api_server on " + local.server().url());
            // The api_server first: it lets running answers finish (as its own SIGTERM does) while the
            // page's proxy still carries them; then the page.
            Shutdown.closeOnSignal(local, ui);
        }
        return 0;
    }

    static boolean isUrl(String target) {
        return target != null && (target.startsWith("http://") || target.startsWith("https://"));
    }

    private WebUiServer startUi(String backend) {
        try {
            return WebUiServer.start(URI.create(backend), apiKey, serverName, serverPort);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        } catch (RuntimeException e) {
            throw new UserException("cannot listen on " + serverName + ":" + serverPort + ": "
                    + LocalApiServer.rootMessage(e));
        }
    }

    /** The page can wait for a server that starts later, so an absent one is only worth a warning. */
    private void warnIfUnreachable(ApiServerClient server) {
        try {
            server.modelName();
        } catch (UserException e) {
            spec.commandLine().getErr().println("turbo4j: warning: " + e.getMessage()
                    + "; the page will say so until it answers");
        }
    }

    private static void announce(PrintWriter out, WebUiServer ui, String how) {
        out.printf("turbo4j webui: open %s/ in a browser (%s)%n", ui.url(), how);
        out.flush();
    }
}
