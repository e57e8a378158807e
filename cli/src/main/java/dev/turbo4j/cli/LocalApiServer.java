package dev.turbo4j.cli;

import dev.turbo4j.core.chat.ChatTemplate;
import dev.turbo4j.core.chat.ChatTemplates;
import dev.turbo4j.engine.Engine;
import dev.turbo4j.engine.LocalModel;
import dev.turbo4j.server.ApiServer;
import dev.turbo4j.server.ServedModel;
import dev.turbo4j.server.ServerConfig;

import java.nio.file.Path;

/**
 * A model folder, its engine and an api_server over it, started together and closed together
 * (the api_server shuts down gracefully first); what {@code serve api_server} runs, and what
 * {@code serve webui MODEL} puts behind the UI.
 */
final class LocalApiServer implements AutoCloseable {
    private final LocalModel model;
    private final Engine engine;
    private final ApiServer server;

    private LocalApiServer(LocalModel model, Engine engine, ApiServer server) {
        this.model = model;
        this.engine = engine;
        this.server = server;
    }

    /**
     * Loads {@code dir} and serves it.
     *
     * @param modelName    the model id clients see; null = the folder's name
     * @param chatTemplate a built-in template name or a .jinja file; null = the model's own
     */
    static LocalApiServer start(Path dir, String modelName, String chatTemplate, EngineOptions options,
                                ServerConfig config) {
        LocalModel lm = LocalModel.open(dir, options.threads(), options.loadOptions());
        Engine engine = null;
        try {
            ChatTemplate template = ChatTemplates.resolve(dir, chatTemplate);
            engine = Engine.start(lm, options.config());
            String name = modelName != null ? modelName : dir.toAbsolutePath().normalize().getFileName().toString();
            ApiServer server;
            try {
                server = ApiServer.start(new ServedModel(engine, name, template), config);
            } catch (RuntimeException e) {
                throw new UserException("cannot listen on " + config.serverName() + ":" + config.serverPort() + ": "
                        + rootMessage(e));
            }
            return new LocalApiServer(lm, engine, server);
        } catch (RuntimeException e) {
            if (engine != null) {
                engine.close();
            }
            lm.close();
            throw e;
        }
    }

    ApiServer server() {
        return server;
    }

    @Override
    public void close() {
        server.close();
        engine.close();
        model.close();
    }

    static String rootMessage(Throwable e) {
        while (e.getCause() != null) {
            e = e.getCause();
        }
        return e.getMessage();
    }
}
