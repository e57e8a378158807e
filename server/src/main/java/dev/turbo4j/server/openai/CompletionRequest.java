package dev.turbo4j.server.openai;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * POST /v1/completions, OpenAI's legacy text completion plus LMDeploy's extras.
 *
 * @param prompt   a string, a list of strings, a list of token ids, or a list of such lists
 * @param logprobs the chosen token's log-probability and this many alternatives (0..5)
 * @param suffix   not supported: a request with one is refused with a 400
 */
public record CompletionRequest(String model, JsonNode prompt, String suffix, Boolean stream,
                                StreamOptions streamOptions, Boolean echo, Integer logprobs, Float temperature,
                                Float topP, Integer maxTokens, JsonNode stop, Long seed, Integer n,
                                Float presencePenalty, Float frequencyPenalty, Map<String, Float> logitBias, String user,
                                Integer topK, Float minP, Float repetitionPenalty, Boolean ignoreEos,
                                Boolean skipSpecialTokens, Integer minNewTokens, Long sessionId,
                                List<Integer> stopTokenIds)
        implements SamplingFields {
}
