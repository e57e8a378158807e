package dev.turbo4j.core.quant.awq;

import dev.turbo4j.core.model.Model;
import dev.turbo4j.core.parallel.WorkerPool;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Folding scales must leave the float layer's function unchanged: AWQ only moves magnitude around. */
class ScaleFoldingTest {

    @Test
    void foldingAnyPositiveScalesKeepsTheLayerOutput() {
        try (WorkerPool pool = new WorkerPool(2); Model model = Model.load(QuantTestData.KJV); Arena arena = Arena.ofShared()) {
            var config = model.config();
            FloatLayer layer = FloatLayer.copyOf(model.weights().layers().get(1));
            LayerForward forward = new LayerForward(config, pool);
            int sequences = 2;
            int length = 24;
            Random random = new Random(3);
            float[] x = new float[sequences * length * config.hiddenSize()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[] expected = x.clone();
            forward.run(layer, layer.linears(arena), expected, sequences, length);

            int folded = 0;
            for (ScaleGroup group : ScaleGroup.values()) {
                if (!group.appliesTo(config)) {
                    continue;
                }
                float[] s = new float[group.following(layer).cols()];
                for (int c = 0; c < s.length; c++) {
                    s[c] = (float) Math.exp(random.nextGaussian());
                }
                group.fold(layer, s, config);
                folded++;
            }
            float[] actual = x.clone();
            forward.run(layer, layer.linears(arena), actual, sequences, length);

            assertThat(folded).isEqualTo(3); // GQA: v -> o does not apply
            for (int i = 0; i < expected.length; i++) {
                assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(
                        1e-3f * Math.max(1f, Math.abs(expected[i]))));
            }
        }
    }
}
