package dev.turbo4j.server.http;

import io.javalin.http.Context;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tells a request that writes nothing until its end (a non-streamed completion) that its client
 * has gone: the action runs once if the client closes the connection, or Jetty fails the request,
 * before {@link #close}. vLLM cancels such requests too; otherwise a client that times out and
 * retries leaves its abandoned generations holding KV blocks and admission slots.
 *
 * <p>Jetty reads nothing from an HTTP/1.1 connection while its request is handled, so the
 * watch asks to be told when the socket becomes readable: an end of stream means the client
 * closed it. A client that instead sends its next request early (pipelining, which HTTP
 * clients no longer do) has its first byte taken here, and the connection is closed after
 * this answer.
 */
public final class ConnectionWatch implements AutoCloseable {
    private final Context ctx;
    private final EndPoint endPoint;
    private final Runnable onGone;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean fired = new AtomicBoolean();
    private volatile boolean readAhead;

    private ConnectionWatch(Context ctx, EndPoint endPoint, Runnable onGone) {
        this.ctx = ctx;
        this.endPoint = endPoint;
        this.onGone = onGone;
    }

    /** Watches ctx's connection until {@link #close}; {@code onGone} runs at most once, on a Jetty thread. */
    public static ConnectionWatch start(Context ctx, Runnable onGone) {
        Request request = ServletContextRequest.getServletContextRequest(ctx.req());
        ConnectionWatch watch = new ConnectionWatch(ctx, request.getConnectionMetaData().getConnection().getEndPoint(), onGone);
        request.addFailureListener(failure -> watch.gone());
        watch.listen();
        return watch;
    }

    // Under the watch's lock with close(): no interest of ours may outlive it, or Jetty's own
    // read of the connection's next request would find the endpoint taken.
    private synchronized void listen() {
        if (closed.get()) {
            return;
        }
        endPoint.tryFillInterested(Callback.from(this::readable, failure -> { }));
    }

    private void readable() {
        if (closed.get()) {
            return;
        }
        ByteBuffer one = BufferUtil.allocate(1);
        try {
            int n = endPoint.fill(one);
            if (n < 0) {
                gone();
            } else if (n > 0) {
                readAhead = true; // a pipelined request's first byte: it cannot be put back
            } else {
                listen();
            }
        } catch (IOException e) {
            gone();
        }
    }

    private void gone() {
        if (!closed.get() && fired.compareAndSet(false, true)) {
            onGone.run();
        }
    }

    /** Stops watching, before the answer is written; Jetty reads the connection again afterwards. */
    @Override
    public synchronized void close() {
        if (closed.compareAndSet(false, true)) {
            if (endPoint instanceof AbstractEndPoint e && e.isFillInterested()) {
                e.getFillInterest().onFail(new CancellationException("the answer is ready"));
            }
            if (readAhead) {
                ctx.header("Connection", "close");
            }
        }
    }
}
