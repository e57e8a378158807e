package dev.turbo4j.server.openai;

import java.util.List;

/** The non-streamed reply of /v1/chat/completions ({@code object: "chat.completion"}). */
public record ChatCompletion(String id, String object, long created, String model, List<Choice> choices, Usage usage,
                             String systemFingerprint) {

    public record Choice(int index, Message message, ChatLogprobs logprobs, String finishReason) {
    }

    public record Message(String role, String content, String refusal) {
    }
}
