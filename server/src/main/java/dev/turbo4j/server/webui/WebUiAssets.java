package dev.turbo4j.server.webui;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The web chat UI's static files (plain HTML, CSS and JavaScript modules under
 * {@code resources/webui/}, no build step), read once and served from memory under a base
 * path: the page at {@code base} (or {@code /} for an empty base), its files at
 * {@code base/NAME}. Only the files listed here are served, so no request can reach anything
 * else on the class path.
 *
 * <p>The page gets a Content-Security-Policy that allows only its own scripts and styles and
 * connections to its own origin: a second wall behind the escaping Markdown renderer, should
 * model output ever slip markup through.
 */
public final class WebUiAssets {
    private static final String DIR = "/webui/";
    private static final String PAGE = "index.html";
    private static final String JS = "text/javascript; charset=utf-8";
    /** Every file the page uses, with its content type. */
    private static final Map<String, String> FILES = Map.of(
            PAGE, "text/html; charset=utf-8",
            "style.css", "text/css; charset=utf-8",
            "favicon.svg", "image/svg+xml",
            "app.js", JS,
            "api.js", JS,
            "chat-view.js", JS,
            "kv-panel.js", JS,
            "markdown.js", JS);
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'none'; frame-ancestors 'none'";

    private final Map<String, byte[]> files = new HashMap<>();

    private WebUiAssets(String base) {
        FILES.keySet().forEach(name -> files.put(name, read(name)));
        // The page's relative links (app.js, style.css) resolve against <base href>, wherever it is mounted.
        String page = new String(files.get(PAGE), StandardCharsets.UTF_8).replace("{{BASE}}", base + "/");
        files.put(PAGE, page.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Serves the UI on {@code routes} under {@code base}: {@code ""} for the root (the webui
     * server), {@code "/ui"} beside the API (the api_server).
     */
    public static void install(RoutesConfig routes, String base) {
        if (!base.isEmpty() && (!base.startsWith("/") || base.endsWith("/"))) {
            throw new IllegalArgumentException("base must be empty or like /ui, got '" + base + "'");
        }
        WebUiAssets assets = new WebUiAssets(base);
        routes.get(base.isEmpty() ? "/" : base, ctx -> assets.send(ctx, PAGE));
        routes.get(base + "/{file}", ctx -> assets.send(ctx, ctx.pathParam("file")));
    }

    private void send(Context ctx, String name) {
        byte[] body = files.get(name);
        if (body == null) {
            throw new NotFoundResponse();
        }
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Content-Type-Options", "nosniff");
        if (name.equals(PAGE)) {
            ctx.header("Content-Security-Policy", CSP);
            ctx.header("Referrer-Policy", "no-referrer");
        }
        ctx.contentType(FILES.get(name)).result(body);
    }

    private static byte[] read(String name) {
        try (InputStream in = WebUiAssets.class.getResourceAsStream(DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + DIR + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
