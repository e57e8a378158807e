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
    void invalidValuesAreRejectedWithTheirName() {
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
