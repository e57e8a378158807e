package dev.turbo4j.server.openai;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * The reply of /v1/completions ({@code object: "text_completion"}); streamed chunks have the
 * same shape with the new text, the usage only in the final chunk when asked for.
 */
public record Completion(String id, String object, long created, String model, List<Choice> choices,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage, String systemFingerprint) {

    public record Choice(String text, int index, CompletionLogprobs logprobs, String finishReason) {
    }
}
