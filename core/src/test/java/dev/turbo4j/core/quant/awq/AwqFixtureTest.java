package dev.turbo4j.core.quant.awq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turbo4j.core.kvcache.KvFormat;
import dev.turbo4j.core.parallel.WorkerPool;
import dev.turbo4j.core.transformer.Perplexity;
import dev.turbo4j.core.transformer.Transformer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dequantizing reader on an AutoAWQ gemm checkpoint made by the independent Python
 * fixtures (shared/models/random-llama-tiny-awq): its perplexity must match the float32
 * reference figure of the golden file.
 */
class AwqFixtureTest {
    private static final Path HOME = Path.of("src/test/resources");

    @Test
    void readsTheReferenceAwqCheckpointToItsGoldenPerplexity() throws IOException {
        Path home = HOME;
        JsonNode golden = new ObjectMapper().readTree(home.resolve("golden/random-llama-tiny-awq/golden.json").toFile()).get("ppl");
        JsonNode idsNode = golden.get("ids");
        int[] ids = new int[idsNode.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = idsNode.get(i).asInt();
        }
        try (WorkerPool pool = new WorkerPool(2); DequantizedAwqModel model = DequantizedAwqModel.load(home.resolve("models/random-llama-tiny-awq"))) {
            // one sequence, no extra BOS: ids already start with it
            double ppl = Perplexity.compute(new Transformer(model.config(), model.weights(), pool), ids, ids.length, -1,
                    KvFormat.F32).ppl();
            assertThat(ppl).isCloseTo(golden.get("ppl").asDouble(), org.assertj.core.data.Percentage.withPercentage(0.1));
        }
    }
}
