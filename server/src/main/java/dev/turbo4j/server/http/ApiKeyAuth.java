package dev.turbo4j.server.http;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/** With --api-keys, every /v1 route needs {@code Authorization: Bearer <key>}; a 401 otherwise. */
public final class ApiKeyAuth implements Handler {
    private final List<byte[]> keys;

    public ApiKeyAuth(List<String> keys) {
        this.keys = keys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
    }

    @Override
    public void handle(Context ctx) {
        if (ctx.method().equals(HandlerType.OPTIONS)) {
            return; // CORS preflights carry no credentials
        }
        String header = ctx.header("Authorization");
        String prefix = "Bearer ";
        if (header == null || !header.regionMatches(true, 0, prefix, 0, prefix.length())) {
            throw unauthorized("missing API key: send the header 'Authorization: Bearer <key>'");
        }
        byte[] given = header.substring(prefix.length()).strip().getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] key : keys) {
            ok |= MessageDigest.isEqual(key, given); // constant time: no timing hints about the key
        }
        if (!ok) {
            throw unauthorized("incorrect API key provided");
        }
    }

    private static ApiException unauthorized(String message) {
        return new ApiException(401, "invalid_request_error", null, "invalid_api_key", message);
    }
}
