package dev.turbo4j.core.transformer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turbo4j.core.kvcache.KvFormat;
import dev.turbo4j.core.model.Model;
import dev.turbo4j.core.parallel.WorkerPool;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Perplexity of the demo model on held-out text, against the reference's ppl.json. */
class GoldenPerplexityTest {

    @Test
    void bothPerplexityFiguresMatchTheReferenceWithinATenthOfAPercent() {
        JsonNode golden = TestModels.json(TestModels.GOLDEN.resolve("kjv-llama-tiny/ppl.json"));
        int[] ids = TestModels.ints(golden.get("ids"));
        try (WorkerPool pool = new WorkerPool(2); Model model = Model.load(TestModels.KJV)) {
            Transformer tf = new Transformer(model.config(), model.weights(), pool);
            Perplexity.Result withBos = Perplexity.compute(tf, ids, 256, 1, KvFormat.F32);
            JsonNode bos = golden.get("bos_per_chunk");
            assertThat(withBos.tokensScored()).isEqualTo(bos.get("tokens_scored").asLong());
            assertThat(withBos.windows()).isEqualTo(32);
            assertThat(withBos.ppl()).isCloseTo(bos.get("ppl").asDouble(), within(bos.get("ppl").asDouble() * 1e-3));

            Perplexity.Result noBos = Perplexity.compute(tf, ids, 256, -1, KvFormat.F32);
            JsonNode plain = golden.get("no_bos");
            assertThat(noBos.tokensScored()).isEqualTo(plain.get("tokens_scored").asLong());
            assertThat(noBos.ppl()).isCloseTo(plain.get("ppl").asDouble(), within(plain.get("ppl").asDouble() * 1e-3));
        }
    }
}
