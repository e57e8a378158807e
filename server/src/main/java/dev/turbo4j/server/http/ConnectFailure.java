package dev.turbo4j.server.http;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;

/**
 * Why an HTTP call to a server failed, in a user's words. Java's HTTP client reports an unknown
 * host as a {@link ConnectException} too (caused by an unresolved address), so the cause chain
 * is read before the type.
 */
public final class ConnectFailure {
    private ConnectFailure() {
    }

    public static String describe(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
                return "unknown host (check the URL)";
            }
        }
        if (e instanceof ConnectException) {
            return "connection refused (is it running?)";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer in time";
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
