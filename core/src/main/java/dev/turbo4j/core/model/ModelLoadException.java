package dev.turbo4j.core.model;

/**
 * A model folder (or one of its files) cannot be used. The message names the file and the
 * problem and, where possible, what to do; commands print it as one line, without a trace.
 */
public class ModelLoadException extends RuntimeException {
    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
