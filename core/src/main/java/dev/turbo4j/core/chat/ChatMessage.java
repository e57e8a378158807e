package dev.turbo4j.core.chat;

import java.util.Objects;

/**
 * One message of a conversation, as chat templates see it: {@code message['role']} and
 * {@code message['content']}.
 *
 * @param role    who speaks: usually {@code system}, {@code user} or {@code assistant}
 * @param content the text of the message
 */
public record ChatMessage(String role, String content) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    /** A {@code system} message. */
    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    /** A {@code user} message. */
    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    /** An {@code assistant} message. */
    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }
}
