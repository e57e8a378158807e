package dev.turbo4j.server.status;

import dev.turbo4j.server.Admission;
import io.javalin.http.Context;
import io.javalin.http.Handler;

import java.util.Map;

/** GET /health: 200 while serving, 503 once shutting down (so a load balancer stops sending). */
public final class HealthHandler implements Handler {
    private final Admission admission;

    public HealthHandler(Admission admission) {
        this.admission = admission;
    }

    @Override
    public void handle(Context ctx) {
        boolean up = !admission.draining();
        ctx.status(up ? 200 : 503).json(Map.of("status", up ? "ok" : "shutting_down"));
    }
}
