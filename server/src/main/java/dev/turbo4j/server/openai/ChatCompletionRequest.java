package dev.turbo4j.server.openai;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

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
                                    Boolean doPreprocess) implements SamplingFields {
}
