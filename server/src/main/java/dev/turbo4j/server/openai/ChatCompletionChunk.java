package dev.turbo4j.server.openai;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * One streamed event of /v1/chat/completions ({@code object: "chat.completion.chunk"}). The
 * first delta of a choice carries the role, the last one is empty with the finish reason;
 * with stream_options.include_usage a final chunk has no choices and the usage.
 */
public record ChatCompletionChunk(String id, String object, long created, String model, String systemFingerprint,
                                  List<Choice> choices, @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage) {

    public record Choice(int index, Delta delta, ChatLogprobs logprobs, String finishReason) {
    }

    /** What is new: the role (first chunk only) and text; both absent in the last chunk. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delta(String role, String content) {
    }
}
