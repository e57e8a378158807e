package dev.turbo4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turbo4j.core.kernel.Roofline;
import dev.turbo4j.core.memory.LargePages;
import dev.turbo4j.core.kvcache.KvCache;
import dev.turbo4j.core.kvcache.KvCacheSpec;
import dev.turbo4j.core.kvcache.PagedKvCache;
import dev.turbo4j.core.model.Model;
import dev.turbo4j.core.model.ModelConfig;
import dev.turbo4j.core.parallel.WorkerPool;
import dev.turbo4j.core.sampling.Sampler;
import dev.turbo4j.core.transformer.Logits;
import dev.turbo4j.core.transformer.LogitsMode;
import dev.turbo4j.core.transformer.SequenceChunk;
import dev.turbo4j.core.transformer.Transformer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Single-sequence prefill and decode speed (LMDeploy's profile_generation), each put beside
 * the machine's limits measured in the same run: decode against the memory-bandwidth bound
 * (weight bytes per token ÷ read bandwidth), prefill against the peak FMA rate. The figures
 * are medians over {@code --test-round} measured rounds after {@code --warmup} short ones.
 */
@Command(name = "generation", mixinStandardHelpOptions = true,
        description = "Prefill and decode speed of one sequence, with the roofline ratios.")
final class BenchGenerationCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "Model folder (no tokenizer needed; prompts are random ids).")
    String model;

    @Option(names = "--prompt-tokens", defaultValue = "128", description = "Prompt length (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--new-tokens", defaultValue = "128", description = "Tokens to decode (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--warmup", defaultValue = "1", description = "Warm-up rounds (8 decode tokens each) before the measured ones (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--test-round", defaultValue = "3",
            description = "Measured rounds; each figure is the median over them, and the decode rounds are listed, "
                    + "since a shared machine's speed drifts from run to run (default: ${DEFAULT-VALUE}).")
    int testRounds;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() throws Exception {
        if (promptTokens < 1 || newTokens < 1) {
            throw new UserException("--prompt-tokens and --new-tokens must be >= 1");
        }
        if (testRounds < 1 || warmup < 0) {
            throw new UserException("--test-round must be >= 1 and --warmup >= 0");
        }
        Path dir = ModelPaths.resolve(model);
        PrintWriter out = spec.commandLine().getOut();
        try (WorkerPool pool = new WorkerPool(engine.threads()); Model m = Model.load(dir, engine.loadOptions())) {
            ModelConfig c = m.config();
            if (promptTokens + newTokens > c.maxPositionEmbeddings()) {
                throw new UserException("--prompt-tokens + --new-tokens exceeds the model's context of " + c.maxPositionEmbeddings());
            }
            Transformer tf = new Transformer(c, m.weights(), pool);
            int total = promptTokens + newTokens;
            KvCacheSpec kvSpec = new KvCacheSpec(c.numLayers(), c.numKvHeads(), c.headDim(), 64, (total + 63) / 64, engine.effectiveKvFormat());
            int[] prompt = new SplittableRandom(42).ints(promptTokens, 3, c.vocabSize()).toArray();
            List<Double> prefillRounds = new ArrayList<>();
            List<Double> firstTokenRounds = new ArrayList<>();
            List<Double> decodeRounds = new ArrayList<>();
            try (KvCache cache = PagedKvCache.create(kvSpec)) {
                for (int i = 0; i < warmup; i++) {
                    runOnce(tf, cache, prompt, Math.min(8, newTokens));
                }
                for (int i = 0; i < testRounds; i++) {
                    Run run = runOnce(tf, cache, prompt, newTokens);
                    prefillRounds.add(promptTokens / (run.prefillNanos / 1e9));
                    firstTokenRounds.add(run.firstTokenNanos / 1e6);
                    decodeRounds.add(newTokens == 1 ? 0 : (newTokens - 1) / (run.decodeNanos / 1e9));
                }
            }
            // Repacked and copied weights live on huge pages where Linux offers them; mapped ones on the page cache's 4 KiB pages.
            boolean largePages = m.repackedBytes() + m.copiedBytes() > 0 && LargePages.available();
            double bandwidth = Roofline.measureReadBandwidthGBs(pool, Roofline.DEFAULT_READ_BYTES, largePages);
            String pages = largePages ? "2 MiB pages" : "4 KiB pages";
            double peak = Roofline.measurePeakGflops(pool);
            long bytesPerToken = m.weights().bytesReadPerToken();
            double decodeBound = bandwidth * 1e9 / bytesPerToken;
            double decodeTps = LatencyStats.of(decodeRounds).median();
            double prefillTps = LatencyStats.of(prefillRounds).median();
            double firstTokenMs = LatencyStats.of(firstTokenRounds).median();
            double flopsPerToken = 2.0 * m.weights().multiplyAddsPerToken();
            double prefillGflops = flopsPerToken * prefillTps / 1e9;
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                ObjectNode n = mapper.createObjectNode();
                n.put("model", dir.toString());
                n.put("threads", pool.threads());
                n.put("prompt_tokens", promptTokens);
                n.put("new_tokens", newTokens);
                n.put("model_format", m.quantization().format().id());
                n.put("weights_mapped_bytes", m.mappedBytes());
                n.put("weights_repacked_bytes", m.repackedBytes());
                n.put("weights_copied_bytes", m.copiedBytes());
                n.put("prefill_tok_s", prefillTps);
                n.put("first_token_latency_ms", firstTokenMs);
                n.put("decode_tok_s", decodeTps);
                n.put("test_rounds", testRounds);
                var rounds = n.putArray("decode_tok_s_rounds");
                decodeRounds.forEach(rounds::add);
                n.put("weight_bytes_per_token", bytesPerToken);
                n.put("read_bandwidth_gb_s", bandwidth);
                n.put("read_bandwidth_pages", largePages ? "2MiB" : "4KiB");
                n.put("decode_bound_tok_s", decodeBound);
                n.put("decode_bandwidth_ratio", decodeTps / decodeBound);
                n.put("prefill_gflops", prefillGflops);
                n.put("peak_gflops", peak);
                n.put("prefill_peak_ratio", prefillGflops / peak);
                out.println(mapper.writeValueAsString(n));
            } else {
                out.printf(Locale.ROOT, "model            %s (%s, %d threads)%n", dir, c.architecture().hfName(), pool.threads());
                out.printf(Locale.ROOT, "weights          %s: %.3f GB mapped from the files; at load %.3f GB repacked, %.3f GB copied (off-heap)%n",
                        m.quantization().format().id(), m.mappedBytes() / 1e9, m.repackedBytes() / 1e9, m.copiedBytes() / 1e9);
                out.printf(Locale.ROOT, "prompt / new     %d / %d tokens%n", promptTokens, newTokens);
                out.printf(Locale.ROOT, "prefill          %.1f tok/s  (%.1f GFLOP/s = %.0f%% of peak %.1f GFLOP/s)%n",
                        prefillTps, prefillGflops, 100 * prefillGflops / peak, peak);
                out.printf(Locale.ROOT, "first token      %.1f ms%n", firstTokenMs);
                out.printf(Locale.ROOT, "decode           %.2f tok/s  (%.0f%% of the bandwidth bound %.2f tok/s: %.2f GB/token at %.1f GB/s, %s)%n",
                        decodeTps, 100 * decodeTps / decodeBound, decodeBound, bytesPerToken / 1e9, bandwidth, pages);
                if (testRounds > 1) {
                    out.printf(Locale.ROOT, "rounds           %d, medians above; decode per round: %s tok/s%n", testRounds,
                            String.join(", ", decodeRounds.stream()
                                    .map(t -> String.format(Locale.ROOT, "%.2f", t)).toList()));
                }
            }
            out.flush();
        }
        return 0;
    }

    private record Run(long prefillNanos, long firstTokenNanos, long decodeNanos) {
    }

    private static Run runOnce(Transformer tf, KvCache cache, int[] prompt, int newTokens) {
        int[] table = new int[cache.spec().numBlocks()];
        Arrays.setAll(table, i -> i);
        long t0 = System.nanoTime();
        Logits logits = tf.forward(List.of(new SequenceChunk(prompt, 0, table, LogitsMode.LAST)), cache);
        long t1 = System.nanoTime();
        int next = Sampler.argmax(logits.row(0));
        long t2 = System.nanoTime();
        int pos = prompt.length;
        for (int i = 1; i < newTokens; i++) {
            logits = tf.forward(List.of(new SequenceChunk(new int[] {next}, pos++, table, LogitsMode.LAST)), cache);
            next = Sampler.argmax(logits.row(0));
        }
        long t3 = System.nanoTime();
        return new Run(t1 - t0, t2 - t0, t3 - t2);
    }
}
