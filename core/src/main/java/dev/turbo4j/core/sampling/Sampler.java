package dev.turbo4j.core.sampling;

import java.util.Arrays;
import java.util.Collection;
import java.util.SplittableRandom;

/**
 * Chooses the next token from logits, in Hugging Face's processor order: repetition penalty,
 * presence and frequency penalties (OpenAI's, over the generated ids only), logit bias, the
 * min_new_tokens mask, then temperature, top-k, top-p, min-p and a draw (or argmax when
 * greedy). One sampler per request: it owns the request's random stream, so the same seed
 * gives the same output, and the log-probabilities of its last draw when asked for them.
 */
public final class Sampler {
    private final GenerationConfig config;
    private final SplittableRandom random;
    private final int[] endIds;
    private TokenLogprobs lastLogprobs;

    /** A sampler whose min_new_tokens mask covers the config's stop ids. */
    public Sampler(GenerationConfig config) {
        this(config, config.stopTokenIds());
    }

    /** A sampler whose min_new_tokens mask covers {@code endIds} (the ids that would end generation). */
    public Sampler(GenerationConfig config, Collection<Integer> endIds) {
        this.config = config;
        long seed = config.randomSeed() != null ? config.randomSeed() : new SplittableRandom().nextLong();
        this.random = new SplittableRandom(seed);
        this.endIds = endIds.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The next token when nothing has been generated yet; see {@link #sample(float[], int[], int, int)}. */
    public int sample(float[] logits, int[] seen, int seenCount) {
        return sample(logits, seen, seenCount, 0);
    }

    /**
     * The next token. {@code logits} is modified in place. {@code tokens} holds the context
     * ({@code count} ids: prompt, then what was generated); the last {@code generated} of them
     * are this request's output so far, which presence/frequency penalties and min_new_tokens
     * look at. The repetition penalty applies to all of them.
     */
    public int sample(float[] logits, int[] tokens, int count, int generated) {
        if (config.repetitionPenalty() != 1f) {
            applyRepetitionPenalty(logits, tokens, count, config.repetitionPenalty());
        }
        if (config.presencePenalty() != 0f || config.frequencyPenalty() != 0f) {
            applyPresenceFrequencyPenalty(logits, tokens, count - generated, count, config.presencePenalty(),
                    config.frequencyPenalty());
        }
        config.logitBias().forEach((id, bias) -> {
            if (id >= 0 && id < logits.length) {
                logits[id] += bias;
            }
        });
        if (generated < config.minNewTokens()) {
            for (int id : endIds) {
                if (id >= 0 && id < logits.length) {
                    logits[id] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        int chosen = choose(logits);
        lastLogprobs = config.logprobs() != null ? TokenLogprobs.of(logits, chosen, config.logprobs()) : null;
        return chosen;
    }

    /** The log-probabilities of the last {@link #sample} call; null unless the config asks for them. */
    public TokenLogprobs lastLogprobs() {
        return lastLogprobs;
    }

    private int choose(float[] logits) {
        if (config.isGreedy()) {
            return argmax(logits);
        }
        float invTemp = 1f / config.temperature();
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        // Softmax over all ids, then keep the candidates the filters allow, most likely first.
        double[] probs = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            probs[i] = Math.exp((logits[i] - max) * invTemp);
            sum += probs[i];
        }
        int[] order = candidatesByProbability(probs, config.topK());
        int keep = order.length;
        if (config.topP() < 1f) {
            double cumulative = 0;
            for (int i = 0; i < order.length; i++) {
                cumulative += probs[order[i]] / sum;
                if (cumulative >= config.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        if (config.minP() > 0f) {
            double threshold = config.minP() * probs[order[0]];
            int k = 1;
            while (k < keep && probs[order[k]] >= threshold) {
                k++;
            }
            keep = k;
        }
        double total = 0;
        for (int i = 0; i < keep; i++) {
            total += probs[order[i]];
        }
        double r = random.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            r -= probs[order[i]];
            if (r <= 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    /**
     * OpenAI's penalties over {@code tokens[from, to)}: each distinct id loses {@code presence},
     * and {@code frequency} once per occurrence.
     */
    static void applyPresenceFrequencyPenalty(float[] logits, int[] tokens, int from, int to, float presence,
                                              float frequency) {
        int[] ids = Arrays.copyOfRange(tokens, from, to);
        Arrays.sort(ids);
        for (int i = 0; i < ids.length; ) {
            int id = ids[i];
            int j = i;
            while (j < ids.length && ids[j] == id) {
                j++;
            }
            if (id >= 0 && id < logits.length) {
                logits[id] -= presence + frequency * (j - i);
            }
            i = j;
        }
    }

    /** HF's RepetitionPenaltyLogitsProcessor: once per distinct seen id. */
    static void applyRepetitionPenalty(float[] logits, int[] seen, int count, float penalty) {
        boolean[] done = new boolean[logits.length];
        for (int i = 0; i < count; i++) {
            int id = seen[i];
            if (id < 0 || id >= logits.length || done[id]) {
                continue;
            }
            done[id] = true;
            logits[id] = logits[id] > 0 ? logits[id] / penalty : logits[id] * penalty;
        }
    }

    /** Ids sorted by descending probability; only the top k when k > 0. */
    private static int[] candidatesByProbability(double[] probs, int topK) {
        int n = probs.length;
        // Pack (probability bits, id) into longs: positive doubles order like their bits.
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            float p = (float) probs[i];
            keys[i] = ((long) Float.floatToIntBits(p) << 32) | (0xFFFFFFFFL - i);
        }
        Arrays.sort(keys);
        int k = topK > 0 ? Math.min(topK, n) : n;
        int[] order = new int[k];
        for (int i = 0; i < k; i++) {
            order[i] = (int) (0xFFFFFFFFL - (keys[n - 1 - i] & 0xFFFFFFFFL));
        }
        return order;
    }

    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
