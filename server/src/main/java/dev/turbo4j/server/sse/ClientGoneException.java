package dev.turbo4j.server.sse;

/** The client closed the connection while we were streaming to it. */
public final class ClientGoneException extends RuntimeException {
    public ClientGoneException(Throwable cause) {
        super("the client went away", cause, false, false);
    }
}
