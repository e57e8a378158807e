package dev.turbo4j.server.openai;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

import static dev.turbo4j.server.http.ApiException.require;

/**
 * POST /v1/chat/completions, OpenAI's fields plus LMDeploy's extras (top_k, min_p,
 * repetition_penalty, ignore_eos, skip_special_tokens, min_new_tokens, session_id,
 * do_preprocess).
 *
 * @param messages a list of {role, content} (content a string or text parts), or a string
 *                 taken as one user message
 */
public record ChatCompletionRequest(String model, JsonNode messages, Boolean stream, StreamOptions streamOptions,
                                    Float temperature, Float topP, Integer maxTokens, Integer maxCompletionTokens,
                                    JsonNode stop, Long seed, Integer n, Boolean logprobs, Integer topLogprobs,
                                    Float presencePenalty, Float frequencyPenalty, Map<String, Float> logitBias,
                                    String user, Integer topK, Float minP, Float repetitionPenalty, Boolean ignoreEos,
                                    Boolean skipSpecialTokens, Integer minNewTokens, Long sessionId,
                                    Boolean doPreprocess, JsonNode responseFormat, JsonNode tools,
                                    JsonNode toolChoice, List<Integer> stopTokenIds) implements SamplingFields {

    /**
     * 400 for what this server cannot honour and a client would rely on: output constrained to
     * JSON, or a tool call it must make. Tools the model may use ("auto", "none") are accepted;
     * the answer is text.
     */
    void requireSupported() {
        if (responseFormat != null && !responseFormat.isNull()) {
            JsonNode type = responseFormat.get("type");
            String name = type == null ? null : type.asText();
            require("text".equals(name), "response_format", "response_format " + (name == null ? "without a type"
                    : "'" + name + "'") + " is not supported: this server does not constrain its output to JSON; "
                    + "ask for JSON in the prompt, or leave response_format out");
        }
        if (toolChoice != null && !toolChoice.isNull()) {
            String choice = toolChoice.isTextual() ? toolChoice.asText() : "a named function";
            require(choice.equals("auto") || choice.equals("none"), "tool_choice", "tool_choice " + (toolChoice.isTextual()
                    ? "'" + choice + "'" : choice) + " is not supported: this server answers in text and makes no "
                    + "tool calls; use 'auto' or 'none'");
        }
    }
}
