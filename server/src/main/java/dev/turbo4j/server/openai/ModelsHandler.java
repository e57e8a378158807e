package dev.turbo4j.server.openai;

import dev.turbo4j.server.ServedModel;
import io.javalin.http.Context;

/**
 * GET /v1/models: the one model this server serves; GET /v1/models/{model} (the OpenAI SDKs'
 * {@code models.retrieve}; the id may hold slashes, as "org/name" does): its card, or 404
 * model_not_found for any other id.
 */
public final class ModelsHandler {
    private final ServedModel model;

    public ModelsHandler(ServedModel model) {
        this.model = model;
    }

    public void list(Context ctx) {
        ctx.json(served());
    }

    public void retrieve(Context ctx) {
        model.checkName(ctx.pathParam("model"));
        ctx.json(served().data().getFirst());
    }

    private ModelList served() {
        return ModelList.of(model.name(), model.created());
    }
}
