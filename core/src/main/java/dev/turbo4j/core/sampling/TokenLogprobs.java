package dev.turbo4j.core.sampling;

/**
 * The log-probabilities behind one sampled token: the chosen id's and the most likely
 * alternatives', from the distribution after penalties and logit bias but before temperature
 * and truncation (what the model, adjusted as the request asked, believed).
 *
 * @param id          the chosen id
 * @param logprob     its natural-log probability
 * @param topIds      the most likely ids, most likely first ({@link GenerationConfig#logprobs()} of them)
 * @param topLogprobs their log-probabilities, in the same order
 */
public record TokenLogprobs(int id, float logprob, int[] topIds, float[] topLogprobs) {
}
