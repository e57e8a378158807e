package dev.turbo4j.server.http;

import dev.turbo4j.engine.RequestRejectedException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Every failure as OpenAI's error envelope with the right status: our own {@link ApiException}s,
 * Javalin's (404 no such route, 405 wrong method, 413 body too large…), engine refusals (400), and anything
 * unexpected as a bare 500, logged here and never shown to the client with a stack trace.
 */
public final class ErrorHandlers {
    private static final Logger LOG = Logger.getLogger(ErrorHandlers.class.getName());

    private ErrorHandlers() {
    }

    public static void install(RoutesConfig routes, long maxBodyBytes) {
        routes.exception(ApiException.class, (e, ctx) -> send(ctx, e));
        routes.exception(RequestRejectedException.class, (e, ctx) -> send(ctx, ApiException.invalid(null, e.getMessage())));
        routes.exception(HttpResponseException.class, (e, ctx) -> send(ctx, fromJavalin(e, ctx, maxBodyBytes)));
        routes.exception(Exception.class, (e, ctx) -> {
            LOG.log(Level.SEVERE, "internal error on " + ctx.method() + " " + ctx.path(), e);
            send(ctx, new ApiException(500, "server_error", null, "internal_error",
                    "internal server error; the server log has the details"));
        });
        // Routes that do not exist end here without an exception.
        routes.error(404, ctx -> {
            if (ctx.result() == null || ctx.result().isEmpty()) {
                send(ctx, notFound(ctx));
            }
        });
    }

    private static ApiException fromJavalin(HttpResponseException e, Context ctx, long maxBodyBytes) {
        int status = e.getStatus();
        if (status == HttpStatus.CONTENT_TOO_LARGE.getCode()) {
            return new ApiException(413, "invalid_request_error", null, "request_too_large",
                    "the request body is larger than the limit of " + maxBodyBytes + " bytes");
        }
        if (status == HttpStatus.NOT_FOUND.getCode()) {
            return notFound(ctx);
        }
        if (status == HttpStatus.METHOD_NOT_ALLOWED.getCode()) {
            String allowed = e.getDetails().getOrDefault("availableMethods", "");
            if (!allowed.isEmpty()) {
                ctx.header("Allow", allowed);
            }
            return new ApiException(405, "invalid_request_error", null, "method_not_allowed",
                    "method " + ctx.method() + " is not allowed on " + ctx.path()
                            + (allowed.isEmpty() ? "" : "; use " + allowed.replace(", ", " or ")) + " (see /docs)");
        }
        return new ApiException(status, status >= 500 ? "server_error" : "invalid_request_error", null, null,
                e.getMessage());
    }

    private static ApiException notFound(Context ctx) {
        return new ApiException(404, "invalid_request_error", null, "not_found",
                "no route " + ctx.method() + " " + ctx.path() + "; see /docs for the API");
    }

    private static void send(Context ctx, ApiException e) {
        if (ctx.res().isCommitted()) {
            return; // a stream already started: nothing sensible can be sent now
        }
        ctx.status(e.status()).json(e.body());
    }
}
