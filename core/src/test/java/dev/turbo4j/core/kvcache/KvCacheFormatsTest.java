package dev.turbo4j.core.kvcache;

import dev.turbo4j.core.kernel.SimdSpecies;
import dev.turbo4j.core.model.Model;
import dev.turbo4j.core.parallel.WorkerPool;
import dev.turbo4j.core.transformer.Perplexity;
import dev.turbo4j.core.transformer.Transformer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Every KV format's vector loops against its scalar reference (the decoded rows), the
 * quantization error bounds, the pool capacity gains and the perplexity cost of int8/int4 KV.
 */
class KvCacheFormatsTest {

    @ParameterizedTest
    @EnumSource(KvFormat.class)
    void scoresAndValueSumsMatchTheScalarReference(KvFormat format) {
        for (int headDim : new int[] {16, 32, 64, 128, 40}) {
            int blockSize = 8;
            KvCacheSpec spec = new KvCacheSpec(2, 3, headDim, blockSize, 4, format);
            Random rnd = new Random(headDim);
            try (PagedKvCache cache = PagedKvCache.create(spec)) {
                float[] k = new float[headDim];
                float[] v = new float[headDim];
                for (int block = 0; block < 4; block++) {
                    for (int slot = 0; slot < blockSize; slot++) {
                        for (int d = 0; d < headDim; d++) {
                            k[d] = (float) rnd.nextGaussian() * 2 + 0.3f;
                            v[d] = (float) rnd.nextGaussian();
                        }
                        cache.write(1, block, slot, 2, k, 0, v, 0);
                    }
                }
                // Six query heads share the kv head: one group of four and two single heads.
                int heads = 6;
                int stride = blockSize + 1;
                float[] q = new float[heads * headDim + 3];
                for (int d = 0; d < q.length; d++) {
                    q[d] = (float) rnd.nextGaussian();
                }
                float[] scores = new float[heads * stride];
                cache.keyScores(1, 2, 2, 7, heads, q, 3, 0.5f, scores, stride);
                float[] row = new float[headDim];
                // The sums add onto what the accumulator holds (attention carries it across blocks).
                float[] acc = new float[heads * headDim + 1];
                for (int d = 0; d < acc.length; d++) {
                    acc[d] = (float) rnd.nextGaussian();
                }
                float[] expectedAcc = acc.clone();
                float[] weights = new float[heads * stride];
                for (int s = 0; s < 7; s++) {
                    for (int g = 0; g < heads; g++) {
                        cache.readRow(2, 1, 0, 2, s, row, 0);
                        double dot = 0;
                        for (int d = 0; d < headDim; d++) {
                            dot += q[3 + g * headDim + d] * row[d];
                        }
                        assertThat(scores[g * stride + s]).as("%s head_dim %d head %d slot %d", format, headDim, g, s)
                                .isCloseTo((float) (dot * 0.5), within(1e-4f * (1 + (float) Math.abs(dot))));
                        float w = rnd.nextFloat();
                        weights[g * stride + s] = w;
                        cache.readRow(2, 1, 1, 2, s, row, 0);
                        for (int d = 0; d < headDim; d++) {
                            expectedAcc[1 + g * headDim + d] += w * row[d];
                        }
                    }
                }
                // Past count: scores left alone, weights ignored.
                assertThat(scores[7]).isZero();
                weights[7] = 1e6f;
                cache.accumulateValues(1, 2, 2, 7, heads, weights, stride, acc, 1);
                for (int i = 1; i < acc.length; i++) {
                    assertThat(acc[i]).as("%s head_dim %d value %d", format, headDim, i - 1)
                            .isCloseTo(expectedAcc[i], within(1e-4f * (1 + Math.abs(expectedAcc[i]))));
                }
            }
        }
        assertThat(SimdSpecies.bits()).isEqualTo(Integer.getInteger("turbo4j.test.expectedVectorBits", SimdSpecies.bits()));
    }

    @ParameterizedTest
    @EnumSource(KvFormat.class)
    void aGroupOfHeadsGivesWhatOneHeadAtATimeGives(KvFormat format) {
        // Not compared bit for bit: a vector reduction's lane order differs between the
        // interpreter and C2, so two calls can differ in the last bit as the JIT warms up.
        for (int headDim : new int[] {64, 40}) {
            int blockSize = 16;
            int heads = 4;
            Random rnd = new Random(7);
            try (PagedKvCache cache = PagedKvCache.create(new KvCacheSpec(1, 1, headDim, blockSize, 1, format))) {
                float[] k = new float[headDim];
                float[] v = new float[headDim];
                for (int slot = 0; slot < blockSize; slot++) {
                    for (int d = 0; d < headDim; d++) {
                        k[d] = (float) rnd.nextGaussian();
                        v[d] = (float) rnd.nextGaussian();
                    }
                    cache.write(0, 0, slot, 0, k, 0, v, 0);
                }
                float[] q = new float[heads * headDim];
                for (int i = 0; i < q.length; i++) {
                    q[i] = (float) rnd.nextGaussian();
                }
                float[] grouped = new float[heads * blockSize];
                float[] single = new float[heads * blockSize];
                cache.keyScores(0, 0, 0, 13, heads, q, 0, 0.3f, grouped, blockSize);
                for (int g = 0; g < heads; g++) {
                    float[] one = new float[blockSize];
                    cache.keyScores(0, 0, 0, 13, 1, q, g * headDim, 0.3f, one, blockSize);
                    System.arraycopy(one, 0, single, g * blockSize, blockSize);
                }
                assertThat(grouped).as("%s scores, head_dim %d", format, headDim).containsExactly(single, within(1e-5f));
                float[] groupedAcc = new float[heads * headDim];
                float[] singleAcc = new float[heads * headDim];
                cache.accumulateValues(0, 0, 0, 13, heads, grouped, blockSize, groupedAcc, 0);
                for (int g = 0; g < heads; g++) {
                    float[] weights = java.util.Arrays.copyOfRange(grouped, g * blockSize, (g + 1) * blockSize);
                    cache.accumulateValues(0, 0, 0, 13, 1, weights, blockSize, singleAcc, g * headDim);
                }
                assertThat(groupedAcc).as("%s value sums, head_dim %d", format, headDim).containsExactly(singleAcc, within(1e-5f));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = KvFormat.class, names = {"INT8", "INT4"})
    void blockParametersDecodeExactlyAsEachRowsOwn(KvFormat format) {
        int headDim = 64;
        int blockSize = 64;
        Random rnd = new Random(11);
        try (PagedKvCache cache = PagedKvCache.create(new KvCacheSpec(1, 1, headDim, blockSize, 2, format))) {
            QuantizedKvCache quantized = (QuantizedKvCache) cache;
            float[] x = new float[headDim];
            for (int block = 0; block < 2; block++) {
                for (int slot = 0; slot < blockSize; slot++) {
                    // Ranges from f16 subnormal scales to large ones, a constant row (scale 0), and
                    // in the second block one row with an infinity (the scalar decode's case).
                    double magnitude = Math.pow(10, -7 + (slot % 12));
                    for (int d = 0; d < headDim; d++) {
                        x[d] = slot == 5 ? 1.5f : (float) (rnd.nextGaussian() * magnitude);
                    }
                    if (block == 1 && slot == 40) {
                        x[3] = Float.POSITIVE_INFINITY;
                    }
                    cache.write(0, block, slot, 0, x, 0, x, 0);
                }
                long section = cache.section(block, 0, 0, 0);
                for (int count : new int[] {blockSize, 37}) {
                    float[] p = quantized.decodeParams(section, count);
                    for (int s = 0; s < count; s++) {
                        assertThat(p[s]).as("%s block %d scale %d", format, block, s).isEqualTo(quantized.scale(section, s));
                        assertThat(p[blockSize + s]).as("%s block %d zero %d", format, block, s)
                                .isEqualTo((float) quantized.zero(section, s));
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = KvFormat.class, names = {"INT8", "INT4"})
    void quantizedRowsAreWithinHalfAStepOfTheOriginal(KvFormat format) {
        int headDim = 64;
        KvCacheSpec spec = new KvCacheSpec(1, 1, headDim, 4, 1, format);
        Random rnd = new Random(1);
        float[] x = new float[headDim];
        for (int d = 0; d < headDim; d++) {
            x[d] = (float) rnd.nextGaussian() + 1.5f;
        }
        try (PagedKvCache cache = PagedKvCache.create(spec)) {
            cache.write(0, 0, 3, 0, x, 0, x, 0);
            float[] back = new float[headDim];
            cache.readRow(0, 0, 0, 0, 3, back, 0);
            float min = 0;
            float max = 0;
            for (float f : x) {
                min = Math.min(min, f);
                max = Math.max(max, f);
            }
            float step = (max - min) / (format == KvFormat.INT8 ? 255 : 15);
            for (int d = 0; d < headDim; d++) {
                assertThat(back[d]).isCloseTo(x[d], within(step * 0.5f + 1e-3f * step + 1e-6f));
            }
        }
    }

    @Test
    void quantizedPoolsHoldManyMoreTokensForTheSameMemory() {
        for (int headDim : new int[] {64, 128}) {
            long bf16 = new KvCacheSpec(16, 8, headDim, 64, 1, KvFormat.BF16).bytesPerToken();
            long int8 = new KvCacheSpec(16, 8, headDim, 64, 1, KvFormat.INT8).bytesPerToken();
            long int4 = new KvCacheSpec(16, 8, headDim, 64, 1, KvFormat.INT4).bytesPerToken();
            assertThat((double) bf16 / int8).as("int8 gain at head_dim %d", headDim).isGreaterThanOrEqualTo(1.9);
            assertThat((double) bf16 / int4).as("int4 gain at head_dim %d", headDim).isGreaterThanOrEqualTo(3.5);
        }
    }

    @Test
    void int8KvCostsUnderHalfAPercentOfPerplexityAndInt4UnderFive() throws Exception {
        Path golden = Path.of("src/test/resources/golden/kjv-llama-tiny/ppl.json");
        var ids = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readString(golden)).get("ids");
        int[] tokens = new int[2048];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = ids.get(i).asInt();
        }
        try (WorkerPool pool = new WorkerPool(2); Model m = Model.load(Path.of("../models/kjv-llama-tiny"))) {
            Transformer tf = new Transformer(m.config(), m.weights(), pool);
            double bf16 = Perplexity.compute(tf, tokens, 256, 1, KvFormat.BF16).ppl();
            double int8 = Perplexity.compute(tf, tokens, 256, 1, KvFormat.INT8).ppl();
            double int4 = Perplexity.compute(tf, tokens, 256, 1, KvFormat.INT4).ppl();
            assertThat(Math.abs(int8 / bf16 - 1)).as("int8 %f vs bf16 %f", int8, bf16).isLessThan(0.005);
            assertThat(Math.abs(int4 / bf16 - 1)).as("int4 %f vs bf16 %f", int4, bf16).isLessThan(0.05);
            assertThat(int4).as("int4 does lose something").isNotEqualTo(bf16);
        }
    }
}
