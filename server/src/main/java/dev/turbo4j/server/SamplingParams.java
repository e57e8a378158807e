package dev.turbo4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turbo4j.core.sampling.GenerationConfig;
import dev.turbo4j.server.http.ApiException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.turbo4j.server.http.ApiException.require;

/**
 * The sampling fields a route received (null = not sent), and their one mapping onto a
 * {@link GenerationConfig}: every range is checked first so a bad value is a 400 that names
 * its field (OpenAI's ranges where OpenAI has one, LMDeploy's for its extras).
 *
 * @param maxTokens     tokens to generate at most; null = up to the session length
 * @param maxTokensName the field maxTokens came from, for errors
 * @param stop          a string or a list of strings
 * @param stopTokenIds  vLLM's stop_token_ids: ids that end generation, besides the model's EOS
 * @param logitBias     token id (a JSON object key) to a bias in [-100, 100]
 * @param logprobs      alternatives per token to report; null = no logprobs
 */
public record SamplingParams(Float temperature, Float topP, Integer topK, Float minP, Float repetitionPenalty,
                             Float presencePenalty, Float frequencyPenalty, Map<String, Float> logitBias,
                             Integer minNewTokens, Boolean ignoreEos, Boolean skipSpecialTokens, Long seed,
                             JsonNode stop, List<Integer> stopTokenIds, Integer maxTokens, String maxTokensName,
                             Integer logprobs) {

    /** {@code base} with the fields that were sent applied. */
    public GenerationConfig apply(GenerationConfig base, ServedModel model) {
        GenerationConfig c = base;
        if (temperature != null) {
            require(temperature >= 0 && temperature <= 2, "temperature",
                    "temperature must be between 0 and 2, got " + temperature);
            c = c.withTemperature(temperature);
        }
        if (topP != null) {
            require(topP > 0 && topP <= 1, "top_p", "top_p must be in (0, 1], got " + topP);
            c = c.withTopP(topP);
        }
        if (topK != null) {
            require(topK >= -1, "top_k", "top_k must be >= -1 (0 or -1 = off), got " + topK);
            c = c.withTopK(Math.max(0, topK)); // -1: off, as vLLM and SGLang clients send it
        }
        if (minP != null) {
            require(minP >= 0 && minP <= 1, "min_p", "min_p must be in [0, 1], got " + minP);
            c = c.withMinP(minP);
        }
        if (repetitionPenalty != null) {
            require(repetitionPenalty > 0, "repetition_penalty",
                    "repetition_penalty must be > 0 (1 = off), got " + repetitionPenalty);
            c = c.withRepetitionPenalty(repetitionPenalty);
        }
        if (presencePenalty != null) {
            require(presencePenalty >= -2 && presencePenalty <= 2, "presence_penalty",
                    "presence_penalty must be between -2 and 2, got " + presencePenalty);
            c = c.withPresencePenalty(presencePenalty);
        }
        if (frequencyPenalty != null) {
            require(frequencyPenalty >= -2 && frequencyPenalty <= 2, "frequency_penalty",
                    "frequency_penalty must be between -2 and 2, got " + frequencyPenalty);
            c = c.withFrequencyPenalty(frequencyPenalty);
        }
        if (logitBias != null) {
            c = c.withLogitBias(logitBias(logitBias, model.vocabSize()));
        }
        if (minNewTokens != null) {
            require(minNewTokens >= 0, "min_new_tokens", "min_new_tokens must be >= 0, got " + minNewTokens);
            c = c.withMinNewTokens(minNewTokens);
        }
        if (ignoreEos != null) {
            c = c.withIgnoreEos(ignoreEos);
        }
        if (skipSpecialTokens != null) {
            c = c.withSkipSpecialTokens(skipSpecialTokens);
        }
        if (stopTokenIds != null) {
            List<Integer> ids = new ArrayList<>(c.stopTokenIds());
            for (Integer id : stopTokenIds) {
                require(id != null && id >= 0 && id < model.vocabSize(), "stop_token_ids",
                        "stop_token_ids " + id + " is not a token id of this model; its ids are 0 to " + (model.vocabSize() - 1));
                ids.add(id);
            }
            c = c.withStopTokenIds(ids);
        }
        if (seed != null) {
            c = c.withRandomSeed(seed);
        }
        if (maxTokens != null) {
            int least = maxTokensName.equals("request_output_len") ? 0 : 1;
            require(maxTokens >= least, maxTokensName, maxTokensName + " must be at least " + least + ", got " + maxTokens);
        }
        // Without a limit, generate until EOS or the session length (where the engine stops).
        c = c.withMaxNewTokens(maxTokens != null ? maxTokens : model.engine().sessionLen());
        return c.withStopWords(stopWords(stop)).withLogprobs(logprobs);
    }

    /** {@code stop}: null, a string or a list of non-empty strings. */
    static List<String> stopWords(JsonNode stop) {
        List<String> words = new ArrayList<>();
        if (stop == null || stop.isNull()) {
            return words;
        }
        if (stop.isTextual()) {
            words.add(stop.asText());
        } else if (stop.isArray()) {
            for (JsonNode s : stop) {
                require(s.isTextual(), "stop", "stop must be a string or a list of strings");
                words.add(s.asText());
            }
        } else {
            throw ApiException.invalid("stop", "stop must be a string or a list of strings");
        }
        require(words.stream().noneMatch(String::isEmpty), "stop", "stop strings must not be empty");
        return words;
    }

    private static Map<Integer, Float> logitBias(Map<String, Float> raw, int vocab) {
        Map<Integer, Float> bias = new HashMap<>();
        raw.forEach((key, value) -> {
            int id;
            try {
                id = Integer.parseInt(key.strip());
            } catch (NumberFormatException e) {
                throw ApiException.invalid("logit_bias", "logit_bias keys must be token ids, got '" + key + "'");
            }
            require(id >= 0 && id < vocab, "logit_bias",
                    "logit_bias token id " + id + " is outside the vocabulary [0, " + vocab + ")");
            require(value != null && value >= -100 && value <= 100, "logit_bias",
                    "logit_bias values must be between -100 and 100, got " + value + " for token " + id);
            bias.put(id, value);
        });
        return bias;
    }
}
