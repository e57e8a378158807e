package dev.turbo4j.core.chat;

/**
 * A chat template could not be chosen or rendered: the template rejected the conversation
 * (its {@code raise_exception(...)} message is this exception's message), it has a syntax
 * error, or an unknown template name was asked for.
 */
public class ChatTemplateException extends RuntimeException {
    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
