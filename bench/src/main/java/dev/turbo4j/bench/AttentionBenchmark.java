package dev.turbo4j.bench;

import dev.turbo4j.core.kvcache.KvCache;
import dev.turbo4j.core.kvcache.KvCacheSpec;
import dev.turbo4j.core.kvcache.KvFormat;
import dev.turbo4j.core.kvcache.PagedKvCache;
import dev.turbo4j.core.transformer.Attention;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Decode attention of one token on one thread: every query head of every layer of the
 * Llama-3.2-1B shape (16 layers, 32 query heads over 8 KV heads, head_dim 64) over a cached
 * context, in each KV format, the query heads of each KV head as one group (as the engine runs
 * them). The figure to read is time per (head, key), which is what
 * {@link KvCache#keyScores} and {@link KvCache#accumulateValues} cost per cached token.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp "bench/target/turbo4j-bench.jar:bench/target/lib/*" \
 *     org.openjdk.jmh.Main AttentionBenchmark -p format=BF16,INT8 -p context=540
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:ObjectAlignmentInBytes=64"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class AttentionBenchmark {
    private static final int LAYERS = 16;
    private static final int KV_HEADS = 8;
    private static final int HEADS = 32;
    private static final int GROUP = HEADS / KV_HEADS;
    private static final int HEAD_DIM = 64;
    /** LMDeploy's cache_block_seq_len, the engine's default. */
    private static final int BLOCK = 64;

    @Param({"BF16", "INT8", "INT4"})
    public KvFormat format;

    @Param({"540", "4096"})
    public int context;

    private KvCache cache;
    private int[] blockTable;
    private float[] q;
    private float[] out;
    private Attention attention;

    @Setup(Level.Trial)
    public void setUp() {
        int blocks = (context + BLOCK - 1) / BLOCK;
        cache = PagedKvCache.create(new KvCacheSpec(LAYERS, KV_HEADS, HEAD_DIM, BLOCK, blocks, format));
        blockTable = new int[blocks];
        for (int b = 0; b < blocks; b++) {
            blockTable[b] = blocks - 1 - b; // not in pool order, as after some churn
        }
        SplittableRandom random = new SplittableRandom(1);
        float[] k = new float[HEAD_DIM];
        float[] v = new float[HEAD_DIM];
        for (int layer = 0; layer < LAYERS; layer++) {
            for (int p = 0; p < context; p++) {
                for (int h = 0; h < KV_HEADS; h++) {
                    for (int d = 0; d < HEAD_DIM; d++) {
                        k[d] = (float) random.nextGaussian();
                        v[d] = (float) random.nextGaussian();
                    }
                    cache.write(layer, blockTable[p / BLOCK], p % BLOCK, h, k, 0, v, 0);
                }
            }
        }
        q = new float[HEADS * HEAD_DIM];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) random.nextGaussian();
        }
        out = new float[HEADS * HEAD_DIM];
        attention = new Attention(BLOCK, HEAD_DIM, GROUP);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cache.close();
    }

    /** One decode token: all layers and heads (time / (16 * 32 * context) = per (head, key)). */
    @Benchmark
    public float decodeToken() {
        float scale = (float) (1 / Math.sqrt(HEAD_DIM));
        for (int layer = 0; layer < LAYERS; layer++) {
            for (int kvHead = 0; kvHead < KV_HEADS; kvHead++) {
                int h = kvHead * GROUP;
                attention.attend(cache, layer, blockTable, context, kvHead, GROUP, q, h * HEAD_DIM, scale, out,
                        h * HEAD_DIM);
            }
        }
        return out[0];
    }
}
