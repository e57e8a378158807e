package dev.turbo4j.core.chat;

/**
 * The chat template itself refused the conversation with {@code raise_exception(message)} (for
 * example "Conversation roles must alternate"): the caller's input is at fault, not the
 * template.
 */
public class ConversationRejectedException extends ChatTemplateException {
    public ConversationRejectedException(String message) {
        super(message);
    }

    public ConversationRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
