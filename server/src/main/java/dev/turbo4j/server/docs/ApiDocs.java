package dev.turbo4j.server.docs;

import io.javalin.config.RoutesConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * The API's own description: /openapi.json (OpenAPI 3, written by hand beside the handlers and
 * checked against the routes by a test), Swagger UI at /docs from the swagger-ui webjar, and
 * / sending a browser there.
 */
public final class ApiDocs {
    private static final String BASE = "/dev/turbo4j/server/docs/";

    private ApiDocs() {
    }

    public static void install(RoutesConfig routes, String modelName) {
        String spec = resource("openapi.json").replace("{{MODEL}}", modelName);
        String page = resource("swagger.html").replace("{{SWAGGER_UI}}", "/webjars/swagger-ui/" + swaggerUiVersion());
        routes.get("/openapi.json", ctx -> ctx.contentType("application/json").result(spec));
        routes.get("/docs", ctx -> ctx.html(page));
        routes.get("/", ctx -> ctx.redirect("/docs"));
    }

    /** The OpenAPI document as served (for tests). */
    public static String openApiJson() {
        return resource("openapi.json");
    }

    private static String swaggerUiVersion() {
        try (InputStream in = ApiDocs.class.getResourceAsStream("/META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
            if (in == null) {
                throw new IllegalStateException("the swagger-ui webjar is not on the class path");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = ApiDocs.class.getResourceAsStream(BASE + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + BASE + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
