package dev.turbo4j.server.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.UncheckedIOException;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The server's JSON: snake_case names (as OpenAI and LMDeploy spell them) from camelCase
 * record components, and strict types on input so that {@code "temperature": "hot"} or
 * {@code "max_tokens": 1.5} are a 400 naming the field, never a silent coercion.
 */
public final class Json {
    /** Shared and thread-safe once configured. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES) // clients send fields we do not use
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final Pattern START_MARKER =
            Pattern.compile("\\s*\\(start marker at \\[Source:.*?\\]\\)", Pattern.DOTALL);

    private Json() {
    }

    /** Parses a request body into {@code type}; malformed JSON or a wrong type is a 400. */
    public static <T> T parse(String body, Class<T> type) {
        if (body == null || body.isBlank()) {
            throw ApiException.invalid(null, "the request body is empty; send a JSON object");
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw ApiException.invalid(null, "the request body is not valid JSON: " + parserWords(e) + where(e));
        }
        if (tree == null || !tree.isObject()) {
            throw ApiException.invalid(null, "the request body must be a JSON object");
        }
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JsonMappingException e) {
            String param = e.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            throw ApiException.invalid(param.isEmpty() ? null : param, describe(param, e));
        } catch (JacksonException e) {
            throw ApiException.invalid(null, "the request body could not be read: " + parserWords(e));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(null, e.getMessage());
        }
    }

    private static String describe(String param, JsonMappingException e) {
        String field = param.isEmpty() ? "a field" : "'" + param + "'";
        if (e instanceof InvalidFormatException f) {
            return field + ": " + shortValue(f.getValue()) + " is not a valid " + typeName(f.getTargetType());
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            return field + " must be " + article(typeName(m.getTargetType()));
        }
        Throwable cause = e.getCause();
        if (cause instanceof JacksonException j) {
            // A number out of the field's range: the parser's words, without where it was reading.
            return field + ": " + parserWords(j);
        }
        // A record's compact constructor refused a value: its message is written for users.
        return field + ": " + (cause != null && cause.getMessage() != null ? cause.getMessage() : e.getOriginalMessage());
    }

    /** The parser's words without the reading location it may embed ("start marker at [Source: …]"). */
    private static String parserWords(JacksonException e) {
        return START_MARKER.matcher(e.getOriginalMessage()).replaceAll("");
    }

    /** " at line L, column C" of the body, where the parser knows it. */
    private static String where(JacksonException e) {
        JsonLocation at = e.getLocation();
        return at == null || at.getLineNr() < 1 ? "" : " (at line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }

    private static String shortValue(Object v) {
        String s = String.valueOf(v);
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    private static String typeName(Class<?> t) {
        if (t == Integer.class || t == int.class || t == Long.class || t == long.class) {
            return "integer";
        }
        if (t == Float.class || t == float.class || t == Double.class || t == double.class) {
            return "number";
        }
        if (t == Boolean.class || t == boolean.class) {
            return "boolean";
        }
        if (t == String.class) {
            return "string";
        }
        if (java.util.Collection.class.isAssignableFrom(t) || t.isArray()) {
            return "array";
        }
        if (java.util.Map.class.isAssignableFrom(t) || t.isRecord()) {
            return "object";
        }
        return t.getSimpleName();
    }

    private static String article(String type) {
        return (type.matches("^[aeiou].*") ? "an " : "a ") + type;
    }

    /** Serializes a response value. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JacksonException e) {
            throw new UncheckedIOException(e);
        }
    }
}
