package dev.turbo4j.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turbo4j.core.chat.ChatMessage;
import dev.turbo4j.server.http.ApiException;

import java.util.ArrayList;
import java.util.List;

import static dev.turbo4j.server.http.ApiException.require;

/** Reads {@code messages}: a string (one user message) or a list of {role, content}. */
final class ChatMessages {
    private ChatMessages() {
    }

    static List<ChatMessage> parse(JsonNode messages) {
        require(messages != null && !messages.isNull(), "messages", "messages is required");
        if (messages.isTextual()) {
            return List.of(ChatMessage.user(messages.asText()));
        }
        require(messages.isArray(), "messages", "messages must be a list of {role, content} objects or a string");
        require(!messages.isEmpty(), "messages", "messages must not be empty");
        List<ChatMessage> out = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String param = "messages[" + i + "]";
            require(m.isObject(), param, param + " must be an object with role and content");
            JsonNode role = m.get("role");
            require(role != null && role.isTextual() && !role.asText().isEmpty(), param + ".role",
                    param + ".role must be a non-empty string");
            JsonNode content = m.get("content");
            // As OpenAI: only an assistant message may leave it out (one that made tool calls).
            require(role.asText().equals("assistant") || (content != null && !content.isNull()), param + ".content",
                    param + ".content is required for a " + role.asText() + " message");
            out.add(new ChatMessage(role.asText(), content(content, param + ".content")));
        }
        return out;
    }

    /** A string, or a list of parts of which only {@code {"type": "text", "text": …}} are supported. */
    private static String content(JsonNode content, String param) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        require(content.isArray(), param, param + " must be a string or a list of content parts");
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            JsonNode type = part.get("type");
            if (type == null || !type.isTextual() || !type.asText().equals("text")) {
                throw ApiException.invalid(param, param + ": only content parts of type 'text' are supported, got "
                        + (type == null ? "a part without a type" : type.toString()));
            }
            JsonNode t = part.get("text");
            require(t != null && t.isTextual(), param, param + ": a text part needs a string 'text'");
            text.append(t.asText());
        }
        return text.toString();
    }

    /** The messages' contents joined, for do_preprocess=false (no chat template). */
    static String raw(List<ChatMessage> messages) {
        StringBuilder sb = new StringBuilder();
        for (ChatMessage m : messages) {
            sb.append(m.content());
        }
        return sb.toString();
    }
}
