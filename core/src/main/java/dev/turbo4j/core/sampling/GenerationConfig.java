package dev.turbo4j.core.sampling;

import dev.turbo4j.core.model.ModelJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.turbo4j.core.model.ModelLoadException;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How to generate: sampling parameters and stop conditions, named as LMDeploy's
 * GenerationConfig. {@code temperature == 0} (or {@code topK == 1}) means greedy.
 *
 * @param maxNewTokens      tokens to generate at most
 * @param temperature       softmax temperature; 0 = greedy
 * @param topK              keep the k most likely tokens; 0 = off
 * @param topP              keep the smallest set whose probability reaches p; 1 = off
 * @param minP              drop tokens below minP × the top probability; 0 = off
 * @param repetitionPenalty divide positive (multiply negative) logits of seen tokens; 1 = off
 * @param randomSeed        seed for sampling; null = a fresh random seed
 * @param stopWords         strings that end generation (not included in the output)
 * @param stopTokenIds      ids that end generation (EOS ids are added from the model)
 * @param ignoreEos         keep generating past EOS
 * @param skipSpecialTokens leave special tokens out of the text
 * @param presencePenalty   OpenAI's: subtract this from the logit of every id generated so far; 0 = off
 * @param frequencyPenalty  OpenAI's: subtract this × (times generated so far) from an id's logit; 0 = off
 * @param logitBias         OpenAI's: add this to the logit of the id, before sampling (-100..100)
 * @param minNewTokens      the stop ids (EOS included) cannot be drawn before this many tokens
 * @param logprobs          report the chosen id's log-probability and this many top alternatives
 *                          (0..20) for each generated token; null = off
 */
public record GenerationConfig(int maxNewTokens, float temperature, int topK, float topP, float minP,
                               float repetitionPenalty, Long randomSeed, List<String> stopWords,
                               List<Integer> stopTokenIds, boolean ignoreEos, boolean skipSpecialTokens,
                               float presencePenalty, float frequencyPenalty, Map<Integer, Float> logitBias,
                               int minNewTokens, Integer logprobs) {

    /** Most top alternatives {@link #logprobs} can ask for (OpenAI's limit). */
    public static final int MAX_LOGPROBS = 20;

    public GenerationConfig {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max_new_tokens must be >= 0, got " + maxNewTokens);
        }
        if (!(temperature >= 0)) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("min_p must be in [0, 1], got " + minP);
        }
        if (!(repetitionPenalty > 0)) {
            throw new IllegalArgumentException("repetition_penalty must be > 0, got " + repetitionPenalty);
        }
        if (!(presencePenalty >= -2 && presencePenalty <= 2)) {
            throw new IllegalArgumentException("presence_penalty must be in [-2, 2], got " + presencePenalty);
        }
        if (!(frequencyPenalty >= -2 && frequencyPenalty <= 2)) {
            throw new IllegalArgumentException("frequency_penalty must be in [-2, 2], got " + frequencyPenalty);
        }
        for (Map.Entry<Integer, Float> e : logitBias.entrySet()) {
            if (!(e.getValue() >= -100 && e.getValue() <= 100)) {
                throw new IllegalArgumentException("logit_bias values must be in [-100, 100], got " + e.getValue()
                        + " for token " + e.getKey());
            }
        }
        if (minNewTokens < 0) {
            throw new IllegalArgumentException("min_new_tokens must be >= 0, got " + minNewTokens);
        }
        if (logprobs != null && (logprobs < 0 || logprobs > MAX_LOGPROBS)) {
            throw new IllegalArgumentException("logprobs must be in [0, " + MAX_LOGPROBS + "], got " + logprobs);
        }
        logitBias = Map.copyOf(logitBias);
        stopWords = List.copyOf(stopWords);
        stopTokenIds = List.copyOf(stopTokenIds);
    }

    /** LMDeploy's defaults: 512 new tokens, temperature 0.8, top_p 1, no top_k. */
    public static GenerationConfig defaults() {
        return new GenerationConfig(512, 0.8f, 0, 1f, 0f, 1f, null, List.of(), List.of(), false, true, 0f, 0f,
                Map.of(), 0, null);
    }

    /** Greedy decoding with the other defaults. */
    public static GenerationConfig greedy() {
        return defaults().withTemperature(0f);
    }

    /**
     * Greedy: temperature 0, or below {@value #GREEDY_BELOW_TEMPERATURE} as in vLLM (1 / T
     * overflows a float below about 3e-39, and long before that one id takes all the probability), or top_k 1.
     */
    public boolean isGreedy() {
        return temperature < GREEDY_BELOW_TEMPERATURE || topK == 1;
    }

    /** Temperatures below this sample greedily. */
    public static final float GREEDY_BELOW_TEMPERATURE = 1e-5f;

    /**
     * The defaults with the model's generation_config.json applied (temperature, top_p,
     * top_k, repetition_penalty, do_sample=false → greedy, eos_token_id → stop ids).
     */
    public static GenerationConfig forModel(Path modelDir) {
        GenerationConfig c = defaults();
        Path file = modelDir.resolve("generation_config.json");
        JsonNode root = ModelJson.read(file);
        if (root == null || !root.isObject()) {
            return c;
        }
        try {
            if (root.has("temperature")) {
                c = c.withTemperature((float) root.get("temperature").asDouble());
            }
            if (root.has("top_p")) {
                c = c.withTopP((float) root.get("top_p").asDouble());
            }
            if (root.has("top_k")) {
                c = c.withTopK(root.get("top_k").asInt());
            }
            if (root.has("repetition_penalty")) {
                c = c.withRepetitionPenalty((float) root.get("repetition_penalty").asDouble());
            }
            if (root.has("do_sample") && !root.get("do_sample").asBoolean()) {
                c = c.withTemperature(0f);
            }
            return c.withStopTokenIds(ModelJson.ids(root, "eos_token_id"));
        } catch (IllegalArgumentException invalid) { // the record's own checks, about the file's values
            throw new ModelLoadException(file + ": " + invalid.getMessage(), invalid);
        }
    }

    public GenerationConfig withMaxNewTokens(int v) {
        return new GenerationConfig(v, temperature, topK, topP, minP, repetitionPenalty, randomSeed, stopWords, stopTokenIds, ignoreEos, skipSpecialTokens, presencePenalty, frequencyPenalty, logitBias, minNewTokens, logprobs);
    }

    public GenerationConfig withTemperature(float v) {
        return new GenerationConfig(maxNewTokens, v, topK, topP, minP, repetitionPenalty, randomSeed, stopWords, stopTokenIds, ignoreEos, skipSpecialTokens, presencePenalty, frequencyPenalty, logitBias, minNewTokens, logprobs);
    }

    public GenerationConfig withTopK(int v) {
        return new GenerationConfig(maxNewTokens, temperature, v, topP, minP, repetitionPenalty, randomSeed, stopWords, stopTokenIds, ignoreEos, skipSpecialTokens, presencePenalty, frequencyPenalty, logitBias, minNewTokens, logprobs);
    }

    public GenerationConfig withTopP(float v) {
        return new GenerationConfig(maxNewTokens, temperature, topK, v, minP, repetitionPenalty, randomSeed, stopWords, stopTokenIds, ignoreEos, skipSpecialTokens, presencePenalty, frequencyPenalty, logitBias, minNewTokens, logprobs);
    }

    public GenerationConfig withMinP(float v) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, v, repetitionPenalty, randomSeed, stopWords, stopTokenIds, ignoreEos, skipSpecialTokens, presencePenalty, frequencyPenalty, logitBias, minNewTokens, logprobs);
    }

    public GenerationConfig withRepetitionPenalty(float v) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, minP, v, randomSeed, stopWords, stopTokenIds, ignoreEos, skipSpecialTokens, presencePenalty, frequencyPenalty, logitBias, minNewTokens, logprobs);
    }

    public GenerationConfig withRandomSeed(Long v) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, minP, repetitionPenalty, v, stopWords, stopTokenIds, ignoreEos, skipSpecialTokens, presencePenalty, frequencyPenalty, logitBias, minNewTokens, logprobs);
    }

    public GenerationConfig withStopWords(List<String> v) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, minP, repetitionPenalty, randomSeed, v, stopTokenIds, ignoreEos, skipSpecialTokens, presencePenalty, frequencyPenalty, logitBias, minNewTokens, logprobs);
    }

    public GenerationConfig withStopTokenIds(List<Integer> v) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, minP, repetitionPenalty, randomSeed, stopWords, v, ignoreEos, skipSpecialTokens, presencePenalty, frequencyPenalty, logitBias, minNewTokens, logprobs);
    }

    public GenerationConfig withIgnoreEos(boolean v) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, minP, repetitionPenalty, randomSeed, stopWords, stopTokenIds, v, skipSpecialTokens, presencePenalty, frequencyPenalty, logitBias, minNewTokens, logprobs);
    }

    public GenerationConfig withSkipSpecialTokens(boolean v) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, minP, repetitionPenalty, randomSeed, stopWords, stopTokenIds, ignoreEos, v, presencePenalty, frequencyPenalty, logitBias, minNewTokens, logprobs);
    }

    public GenerationConfig withPresencePenalty(float v) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, minP, repetitionPenalty, randomSeed, stopWords, stopTokenIds, ignoreEos, skipSpecialTokens, v, frequencyPenalty, logitBias, minNewTokens, logprobs);
    }

    public GenerationConfig withFrequencyPenalty(float v) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, minP, repetitionPenalty, randomSeed, stopWords, stopTokenIds, ignoreEos, skipSpecialTokens, presencePenalty, v, logitBias, minNewTokens, logprobs);
    }

    public GenerationConfig withLogitBias(Map<Integer, Float> v) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, minP, repetitionPenalty, randomSeed, stopWords, stopTokenIds, ignoreEos, skipSpecialTokens, presencePenalty, frequencyPenalty, v, minNewTokens, logprobs);
    }

    public GenerationConfig withMinNewTokens(int v) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, minP, repetitionPenalty, randomSeed, stopWords, stopTokenIds, ignoreEos, skipSpecialTokens, presencePenalty, frequencyPenalty, logitBias, v, logprobs);
    }

    public GenerationConfig withLogprobs(Integer v) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, minP, repetitionPenalty, randomSeed, stopWords, stopTokenIds, ignoreEos, skipSpecialTokens, presencePenalty, frequencyPenalty, logitBias, minNewTokens, v);
    }
}
