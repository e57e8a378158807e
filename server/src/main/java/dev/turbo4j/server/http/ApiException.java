package dev.turbo4j.server.http;

/**
 * A failure to report to the client as OpenAI does: an HTTP status and
 * {@code {"error": {"message", "type", "param", "code"}}}. Thrown anywhere in a handler;
 * {@link ErrorHandlers} turns it into the response.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;

    public ApiException(int status, String type, String param, String code, String message) {
        super(message, null, false, false); // a user-facing value: no stack trace to fill
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400: the request is wrong; {@code param} names the offending field (or null). */
    public static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, null, message);
    }

    /** Throws {@link #invalid} unless {@code ok}. */
    public static void require(boolean ok, String param, String message) {
        if (!ok) {
            throw invalid(param, message);
        }
    }

    public int status() {
        return status;
    }

    public ErrorBody body() {
        return ErrorBody.of(getMessage(), type, param, code);
    }
}
