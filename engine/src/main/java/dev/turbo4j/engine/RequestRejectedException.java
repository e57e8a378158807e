package dev.turbo4j.engine;

/** The engine refused a request (too long, session busy, engine shut down); the message says why. */
public class RequestRejectedException extends RuntimeException {
    public RequestRejectedException(String message) {
        super(message);
    }
}
