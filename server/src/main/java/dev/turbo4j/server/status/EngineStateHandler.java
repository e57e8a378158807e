package dev.turbo4j.server.status;

import dev.turbo4j.engine.EngineStats;
import dev.turbo4j.server.Admission;
import dev.turbo4j.server.ServedModel;
import io.javalin.http.Context;
import io.javalin.http.Handler;

/**
 * GET /v1/engine/state: a small JSON snapshot for live views (the web UI's KV panel): the
 * engine's counters and its KV pool as one character per block ('F' free, 'A' active,
 * 'C' cached).
 */
public final class EngineStateHandler implements Handler {
    private final ServedModel model;
    private final Admission admission;

    public EngineStateHandler(ServedModel model, Admission admission) {
        this.model = model;
        this.admission = admission;
    }

    /**
     * @param httpInFlight generation requests the server is answering now
     * @param engine       the engine's snapshot (refreshed after every step)
     */
    public record EngineState(String model, int sessionLen, int httpInFlight, EngineStats engine) {
    }

    @Override
    public void handle(Context ctx) {
        ctx.json(new EngineState(model.name(), model.engine().sessionLen(), admission.inFlight(), model.engine().stats()));
    }
}
