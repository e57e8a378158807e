package dev.turbo4j.server.sse;

import dev.turbo4j.server.http.Json;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A streamed response body, one JSON value per event, flushed at once. Two framings:
 * Server-Sent Events as OpenAI sends them ({@code data: {json}\n\n} … {@code data: [DONE]\n\n})
 * and LMDeploy's interactive lines ({@code {json}\n}). Thread-safe: the choices of an
 * {@code n > 1} request write from their own threads. A failed write means the client left
 * and surfaces as {@link ClientGoneException}.
 */
public final class EventStream {
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SSE_END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LINE_END = "\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;
    private final boolean sse;
    private boolean gone;

    private EventStream(HttpServletResponse response, boolean sse) {
        response.setStatus(200);
        response.setContentType(sse ? "text/event-stream; charset=utf-8" : "application/x-ndjson; charset=utf-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no"); // proxies must not buffer a stream
        try {
            this.out = response.getOutputStream();
        } catch (IOException e) {
            throw new ClientGoneException(e);
        }
        this.sse = sse;
    }

    /** OpenAI's Server-Sent Events framing. */
    public static EventStream sse(HttpServletResponse response) {
        return new EventStream(response, true);
    }

    /** Newline-delimited JSON, as LMDeploy's /v1/chat/interactive streams. */
    public static EventStream jsonLines(HttpServletResponse response) {
        return new EventStream(response, false);
    }

    /** Sends one event. */
    public synchronized void send(Object value) {
        byte[] json = Json.write(value).getBytes(StandardCharsets.UTF_8);
        if (sse) {
            write(DATA, json, SSE_END);
        } else {
            write(json, LINE_END);
        }
    }

    /**
     * Ends the stream: {@code data: [DONE]} for SSE (nothing more for JSON lines), then the
     * response is completed before the handler returns, so that a shutdown which follows at
     * once (the request counted as done) cannot cut off its last chunk.
     */
    public synchronized void done() {
        if (sse) {
            write(DONE);
        }
        try {
            out.close();
        } catch (IOException e) {
            gone = true;
            throw new ClientGoneException(e);
        }
    }

    private void write(byte[]... parts) {
        if (gone) {
            throw new ClientGoneException(null);
        }
        try {
            for (byte[] p : parts) {
                out.write(p);
            }
            out.flush();
        } catch (IOException e) {
            gone = true;
            throw new ClientGoneException(e);
        }
    }
}
