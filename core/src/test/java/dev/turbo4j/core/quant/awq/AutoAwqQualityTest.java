package dev.turbo4j.core.quant.awq;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turbo4j.core.kvcache.KvFormat;
import dev.turbo4j.core.parallel.WorkerPool;
import dev.turbo4j.core.tokenizer.TokenizerLoader;
import dev.turbo4j.core.transformer.Perplexity;
import dev.turbo4j.core.transformer.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The quality bar on the demo model: at group size 128, AWQ with the scale search
 * beats round-to-nearest on held-out text and stays within 1% of BF16. Calibration is the
 * bundled text (training-split passages), evaluation the golden held-out eval.txt (first
 * 8192 tokens, windows of 256 with BOS, as golden ppl.json). The written checkpoints are
 * evaluated as read back from disk.
 */
class AutoAwqQualityTest {

    @Test
    void awqWithScaleSearchBeatsRoundToNearestAndStaysWithinOnePercentOfBf16(@TempDir Path tmp) throws IOException {
        double bf16 = new ObjectMapper().readTree(Path.of("src/test/resources/golden/kjv-llama-tiny/ppl.json").toFile())
                .get("bos_per_chunk").get("ppl").asDouble();
        int[] heldOut = Arrays.copyOf(TokenizerLoader.load(QuantTestData.KJV)
                .encode(Files.readString(QuantTestData.EVAL_TEXT), false), 8192);
        // 16 sequences of 256 tokens in one batch: small enough for the test, one search over all of it.
        AwqOptions rtn = new AwqOptions(CalibrationSet.BUILTIN, 16, 256, 16, 4, 128, false, AwqOptions.ScaleMode.NONE);
        try (WorkerPool pool = new WorkerPool(2)) {
            double rtnPpl = heldOutPerplexity(pool, tmp.resolve("rtn"), rtn, heldOut);
            double awqPpl = heldOutPerplexity(pool, tmp.resolve("awq"), rtn.withScaleMode(AwqOptions.ScaleMode.SEARCH), heldOut);
            System.out.printf("held-out ppl: BF16 %.4f, RTN g128 %.4f, AWQ+search g128 %.4f%n", bf16, rtnPpl, awqPpl);
            assertThat(awqPpl).isLessThan(rtnPpl);
            assertThat(awqPpl).isLessThan(bf16 * 1.01);
        }
    }

    private static double heldOutPerplexity(WorkerPool pool, Path out, AwqOptions options, int[] ids) throws IOException {
        new AutoAwq(pool, AwqProgress.NONE).run(QuantTestData.KJV, out, options);
        try (DequantizedAwqModel model = DequantizedAwqModel.load(out)) {
            return Perplexity.compute(new Transformer(model.config(), model.weights(), pool), ids, 256, 1, KvFormat.F32).ppl();
        }
    }
}
