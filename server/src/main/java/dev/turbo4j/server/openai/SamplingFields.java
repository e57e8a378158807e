package dev.turbo4j.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turbo4j.core.sampling.GenerationConfig;
import dev.turbo4j.server.ServedModel;
import dev.turbo4j.server.SamplingParams;

import java.util.List;
import java.util.Map;

import static dev.turbo4j.server.http.ApiException.require;

/**
 * The sampling fields /v1/chat/completions and /v1/completions share (OpenAI's and LMDeploy's
 * extras). Both request records implement it, so they are mapped once. Null means "not
 * sent": the model's generation defaults apply.
 */
public interface SamplingFields {
    /** Choices per request at most: each is a full generation. */
    int MAX_N = 16;

    /**
     * The generation config these fields ask for, range-checked (400s name the field).
     *
     * @param maxTokens     max_tokens (or max_completion_tokens); null = up to the session length
     * @param maxTokensName its field name, for errors
     * @param logprobs      alternatives per token to report; null = no logprobs
     */
    default GenerationConfig toConfig(Integer maxTokens, String maxTokensName, Integer logprobs, ServedModel model) {
        if (n() != null) {
            require(n() >= 1 && n() <= MAX_N, "n", "n must be between 1 and " + MAX_N + ", got " + n());
        }
        require(streamOptions() == null || Boolean.TRUE.equals(stream()), "stream_options",
                "stream_options needs stream: true");
        if (sessionId() != null) {
            require(sessionId() >= 0, "session_id", "session_id must be >= 0, got " + sessionId());
            require(n() == null || n() == 1, "n", "n must be 1 when a session_id is given");
        }
        return new SamplingParams(temperature(), topP(), topK(), minP(), repetitionPenalty(), presencePenalty(),
                frequencyPenalty(), logitBias(), minNewTokens(), ignoreEos(), skipSpecialTokens(), seed(), stop(),
                stopTokenIds(), maxTokens, maxTokensName, logprobs).apply(model.defaults(), model);
    }

    Float temperature();

    Float topP();

    /** A string or a list of strings. */
    JsonNode stop();

    Long seed();

    /** vLLM's: token ids that end generation, besides the model's EOS. */
    List<Integer> stopTokenIds();

    Integer n();

    Float presencePenalty();

    Float frequencyPenalty();

    /** Token id (as a JSON object key, a string) to a bias in [-100, 100]. */
    Map<String, Float> logitBias();

    Integer topK();

    Float minP();

    Float repetitionPenalty();

    Boolean ignoreEos();

    Boolean skipSpecialTokens();

    Integer minNewTokens();

    Long sessionId();

    Boolean stream();

    StreamOptions streamOptions();

    /** {@code stream_options}: {@code include_usage} adds a last chunk with the usage. */
    record StreamOptions(Boolean includeUsage) {
        public boolean usage() {
            return Boolean.TRUE.equals(includeUsage);
        }
    }
}
