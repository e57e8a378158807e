package dev.turbo4j.server.openai;

import dev.turbo4j.server.ServedModel;
import io.javalin.http.Context;
import io.javalin.http.Handler;

/** GET /v1/models: the one model this server serves. */
public final class ModelsHandler implements Handler {
    private final ServedModel model;

    public ModelsHandler(ServedModel model) {
        this.model = model;
    }

    @Override
    public void handle(Context ctx) {
        ctx.json(ModelList.of(model.name(), model.created()));
    }
}
