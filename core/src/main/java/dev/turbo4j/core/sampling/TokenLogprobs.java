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

    /** log_softmax of {@code logits} at {@code chosen} and at the {@code top} most likely ids. */
    public static TokenLogprobs of(float[] logits, int chosen, int top) {
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        float logZ = (float) (max + Math.log(sum));
        // The top ids by a small insertion sort: top is at most 20, the vocabulary large.
        int k = Math.min(top, logits.length);
        int[] ids = new int[k];
        int filled = 0;
        for (int id = 0; id < logits.length && k > 0; id++) {
            if (filled == k && logits[id] <= logits[ids[k - 1]]) {
                continue;
            }
            int pos = filled < k ? filled++ : k - 1;
            while (pos > 0 && logits[ids[pos - 1]] < logits[id]) {
                ids[pos] = ids[pos - 1];
                pos--;
            }
            ids[pos] = id;
        }
        float[] lps = new float[k];
        for (int i = 0; i < k; i++) {
            lps[i] = logits[ids[i]] - logZ;
        }
        return new TokenLogprobs(chosen, logits[chosen] - logZ, ids, lps);
    }
}
