package dev.turbo4j.core.sampling;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SamplerTest {
    private static float[] logits() {
        return new float[] {1f, 3f, 2.5f, -1f, 0f, 2.9f};
    }

    @Test
    void greedyPicksTheArgmax() {
        assertThat(new Sampler(GenerationConfig.greedy()).sample(logits(), new int[0], 0)).isEqualTo(1);
        assertThat(new Sampler(GenerationConfig.defaults().withTopK(1)).sample(logits(), new int[0], 0)).isEqualTo(1);
        // A tiny temperature is greedy too: 1 / 1e-45 is Infinity, and the probabilities were NaN (id 0 every time).
        for (float t : new float[] {Float.MIN_VALUE, 1e-30f, 9e-6f}) {
            GenerationConfig tiny = GenerationConfig.defaults().withTemperature(t).withRandomSeed(3L);
            assertThat(tiny.isGreedy()).as("temperature %s", t).isTrue();
            assertThat(new Sampler(tiny).sample(logits(), new int[0], 0)).as("temperature %s", t).isEqualTo(1);
        }
        assertThat(GenerationConfig.defaults().withTemperature(1e-4f).isGreedy()).isFalse();
    }

    @Test
    void sameSeedSameDrawsAndDifferentSeedsDiffer() {
        GenerationConfig c = GenerationConfig.defaults().withTemperature(1.5f).withRandomSeed(7L);
        Sampler a = new Sampler(c);
        Sampler b = new Sampler(c);
        StringBuilder sa = new StringBuilder();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            sa.append(a.sample(logits(), new int[0], 0));
            sb.append(b.sample(logits(), new int[0], 0));
        }
        assertThat(sa.toString()).isEqualTo(sb.toString());
        Sampler other = new Sampler(c.withRandomSeed(8L));
        StringBuilder so = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            so.append(other.sample(logits(), new int[0], 0));
        }
        assertThat(so.toString()).isNotEqualTo(sa.toString());
    }

    @Test
    void topKTopPAndMinPRestrictTheCandidates() {
        assertThat(draws(GenerationConfig.defaults().withTemperature(1f).withTopK(2))).containsExactlyInAnyOrder(1, 5);
        // probabilities ~ [.07,.33,.20,.01,.02,.30]: top_p 0.5 keeps ids 1 and 5
        assertThat(draws(GenerationConfig.defaults().withTemperature(1f).withTopP(0.5f))).containsExactlyInAnyOrder(1, 5);
        // min_p 0.65: only tokens with p >= 0.65 * p(top) = ids 1, 5
        assertThat(draws(GenerationConfig.defaults().withTemperature(1f).withMinP(0.65f))).containsExactlyInAnyOrder(1, 5);
        // without filters every id shows up eventually
        assertThat(draws(GenerationConfig.defaults().withTemperature(3f))).hasSize(6);
    }

    @Test
    void repetitionPenaltyFollowsHuggingFace() {
        float[] l = {2f, -2f, 1f};
        Sampler.applyRepetitionPenalty(l, new int[] {0, 1, 0}, 3, 2f);
        assertThat(l).containsExactly(1f, -4f, 1f);
        // penalising the leader makes greedy pick the runner-up
        GenerationConfig c = GenerationConfig.greedy().withRepetitionPenalty(1.5f);
        assertThat(new Sampler(c).sample(logits(), new int[] {1}, 1)).isEqualTo(5);
    }

    @Test
    void presenceAndFrequencyPenaltiesCountOnlyGeneratedTokens() {
        float[] l = {1f, 1f, 1f, 1f};
        // context: prompt [0, 0], generated [1, 2, 2]
        Sampler.applyPresenceFrequencyPenalty(l, new int[] {0, 0, 1, 2, 2}, 2, 5, 0.5f, 0.25f);
        assertThat(l).containsExactly(1f, 0.25f, 0f, 1f);
        // greedy would repeat id 1; a presence penalty on it (generated) switches to id 5
        GenerationConfig c = GenerationConfig.greedy().withPresencePenalty(0.2f);
        assertThat(new Sampler(c).sample(logits(), new int[] {1}, 1, 1)).isEqualTo(5);
        // the same id in the prompt only is not penalised
        assertThat(new Sampler(c).sample(logits(), new int[] {1}, 1, 0)).isEqualTo(1);
        // frequency: once 3 - 0.08 > 2.9, twice 3 - 0.16 < 2.9
        GenerationConfig f = GenerationConfig.greedy().withFrequencyPenalty(0.08f);
        assertThat(new Sampler(f).sample(logits(), new int[] {1}, 1, 1)).isEqualTo(1);
        assertThat(new Sampler(f).sample(logits(), new int[] {1, 1}, 2, 2)).isEqualTo(5);
    }

    @Test
    void logitBiasShiftsTheChoice() {
        GenerationConfig c = GenerationConfig.greedy().withLogitBias(java.util.Map.of(3, 5f));
        assertThat(new Sampler(c).sample(logits(), new int[0], 0)).isEqualTo(3);
        // -100 bans a token even when sampling
        GenerationConfig ban = GenerationConfig.defaults().withTemperature(1f).withTopK(2)
                .withLogitBias(java.util.Map.of(1, -100f));
        assertThat(draws(ban)).containsExactlyInAnyOrder(5, 2);
    }

    @Test
    void minNewTokensMasksTheEndIdsUntilReached() {
        GenerationConfig c = GenerationConfig.greedy().withMinNewTokens(2);
        Sampler s = new Sampler(c, java.util.List.of(1));
        assertThat(s.sample(logits(), new int[] {7}, 1, 1)).isEqualTo(5); // 1 generated < 2: id 1 masked
        assertThat(s.sample(logits(), new int[] {7, 5}, 2, 2)).isEqualTo(1); // reached: allowed again
        // without explicit end ids the config's stop ids are masked
        Sampler t = new Sampler(c.withStopTokenIds(java.util.List.of(1)));
        assertThat(t.sample(logits(), new int[0], 0, 0)).isEqualTo(5);
    }

    @Test
    void logprobsAreLogSoftmaxWithTheTopAlternatives() {
        Sampler s = new Sampler(GenerationConfig.greedy().withLogprobs(3));
        assertThat(s.sample(logits(), new int[0], 0)).isEqualTo(1);
        TokenLogprobs lp = s.lastLogprobs();
        double z = 0;
        for (float l : logits()) {
            z += Math.exp(l);
        }
        assertThat(lp.id()).isEqualTo(1);
        assertThat((double) lp.logprob()).isCloseTo(3 - Math.log(z), org.assertj.core.data.Offset.offset(1e-5));
        assertThat(lp.topIds()).containsExactly(1, 5, 2);
        assertThat((double) lp.topLogprobs()[2]).isCloseTo(2.5 - Math.log(z), org.assertj.core.data.Offset.offset(1e-5));
        // logprobs 0: the chosen token's only; off: none
        Sampler zero = new Sampler(GenerationConfig.greedy().withLogprobs(0));
        zero.sample(logits(), new int[0], 0);
        assertThat(zero.lastLogprobs().topIds()).isEmpty();
        Sampler off = new Sampler(GenerationConfig.greedy());
        off.sample(logits(), new int[0], 0);
        assertThat(off.lastLogprobs()).isNull();
    }

    @Test
    void invalidValuesAreRejectedWithTheirName() {
        assertThatThrownBy(() -> GenerationConfig.defaults().withPresencePenalty(3f)).hasMessageContaining("presence_penalty");
        assertThatThrownBy(() -> GenerationConfig.defaults().withFrequencyPenalty(-2.5f)).hasMessageContaining("frequency_penalty");
        assertThatThrownBy(() -> GenerationConfig.defaults().withLogitBias(java.util.Map.of(1, 101f))).hasMessageContaining("logit_bias");
        assertThatThrownBy(() -> GenerationConfig.defaults().withMinNewTokens(-1)).hasMessageContaining("min_new_tokens");
        assertThatThrownBy(() -> GenerationConfig.defaults().withLogprobs(21)).hasMessageContaining("logprobs");
        assertThatThrownBy(() -> GenerationConfig.defaults().withTemperature(-1f)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> GenerationConfig.defaults().withTopP(0f)).hasMessageContaining("top_p");
        assertThatThrownBy(() -> GenerationConfig.defaults().withTopK(-2)).hasMessageContaining("top_k");
    }

    private static Set<Integer> draws(GenerationConfig c) {
        Sampler s = new Sampler(c.withRandomSeed(1L));
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            seen.add(s.sample(logits(), new int[0], 0));
        }
        return seen;
    }
}
