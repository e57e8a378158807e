package dev.turbo4j.server.http;

/** OpenAI's error envelope: {@code {"error": {"message", "type", "param", "code"}}}. */
public record ErrorBody(Detail error) {

    /** The error itself; {@code param} and {@code code} may be null (and are sent as null). */
    public record Detail(String message, String type, String param, String code) {
    }

    public static ErrorBody of(String message, String type, String param, String code) {
        return new ErrorBody(new Detail(message, type, param, code));
    }
}
