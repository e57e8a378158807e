package dev.turbo4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turbo4j.core.kernel.Roofline;
import dev.turbo4j.core.memory.LargePages;
import dev.turbo4j.core.kvcache.KvCache;
import dev.turbo4j.core.kvcache.KvCacheSpec;
import dev.turbo4j.core.kvcache.KvFormat;
import dev.turbo4j.core.kvcache.PagedKvCache;
import dev.turbo4j.core.model.Model;
import dev.turbo4j.core.model.ModelConfig;
import dev.turbo4j.core.model.ModelWeights;
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

    @Option(names = "--compare-model", paramLabel = "MODEL2",
            description = "Also run the sequence through a second model folder (its int4 or int8 checkpoint, say) in the "
                    + "same rounds; see --compare-quant-policy for how, and the ratio printed is MODEL2 / MODEL.")
    String compareModel;

    @Option(names = "--compare-quant-policy", paramLabel = "Q",
            description = "Also run the sequence with KV cache quantization Q (0, 8 or 4) in the same rounds: both "
                    + "sequences are prefilled (which goes first alternating by round), then decoded by turns of "
                    + Alternation.SEGMENT + " tokens, so that both see the same minutes of a shared machine; prints the "
                    + "decode and prefill speed ratios, compared / measured.")
    Integer compareQuantPolicy;

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
        KvFormat format = engine.effectiveKvFormat();
        boolean comparing = compareModel != null || compareQuantPolicy != null;
        KvFormat comparedFormat = comparedFormat(format);
        if (comparing && newTokens < 2) {
            throw new UserException("--compare-model and --compare-quant-policy compare decode speeds: give --new-tokens of 2 or more");
        }
        Path dir = ModelPaths.resolve(model);
        Path comparedDir = compareModel == null ? null : ModelPaths.resolve(compareModel);
        Path comparedPath = comparedDir == null ? dir : comparedDir;
        if (comparing && comparedFormat == format && comparedPath.toAbsolutePath().normalize().equals(dir.toAbsolutePath().normalize())) {
            throw new UserException("--compare-model " + compareModel + " is the model measured, with the same KV cache: "
                    + "compare another folder (its int4 checkpoint, say) or another --compare-quant-policy");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (WorkerPool pool = new WorkerPool(engine.threads()); Model m = Model.load(dir, engine.loadOptions());
             Model m2 = comparedDir == null ? null : Model.load(comparedDir, engine.loadOptions())) {
            ModelConfig c = m.config();
            Model comparedModel = m2 == null ? m : m2;
            int vocab = Math.min(c.vocabSize(), comparedModel.config().vocabSize());
            int context = Math.min(c.maxPositionEmbeddings(), comparedModel.config().maxPositionEmbeddings());
            if (promptTokens + newTokens > context) {
                throw new UserException("--prompt-tokens + --new-tokens exceeds the model's context of " + context);
            }
            Transformer tf = new Transformer(c, m.weights(), pool);
            Transformer comparedTf = m2 == null ? tf : new Transformer(m2.config(), m2.weights(), pool);
            int total = promptTokens + newTokens;
            int[] prompt = new SplittableRandom(42).ints(promptTokens, 3, vocab).toArray();
            Rounds rounds = new Rounds();
            Rounds comparedRounds = new Rounds();
            List<Double> speedRatios = new ArrayList<>();
            List<Double> prefillRatios = new ArrayList<>();
            try (KvCache cache = PagedKvCache.create(kvSpec(c, total, format));
                 KvCache other = comparing ? PagedKvCache.create(kvSpec(comparedModel.config(), total, comparedFormat)) : null) {
                for (int i = 0; i < warmup; i++) {
                    runOnce(tf, cache, prompt, Math.min(8, newTokens));
                    if (other != null) {
                        runOnce(comparedTf, other, prompt, Math.min(8, newTokens));
                    }
                }
                for (int i = 0; i < testRounds; i++) {
                    if (other == null) {
                        rounds.add(runOnce(tf, cache, prompt, newTokens), promptTokens, newTokens);
                    } else {
                        // Which prefills first alternates by round, as the decode turns alternate.
                        Sequence measured;
                        Sequence compared;
                        if (i % 2 == 0) {
                            measured = Sequence.prefill(tf, cache, prompt);
                            compared = Sequence.prefill(comparedTf, other, prompt);
                        } else {
                            compared = Sequence.prefill(comparedTf, other, prompt);
                            measured = Sequence.prefill(tf, cache, prompt);
                        }
                        prefillRatios.add((double) measured.prefillNanos / compared.prefillNanos);
                        Alternation a = Alternation.run(measured, compared, newTokens - 1);
                        rounds.add(a.first(), promptTokens, newTokens);
                        comparedRounds.add(a.second(), promptTokens, newTokens);
                        speedRatios.addAll(a.speedRatios());
                    }
                }
            }
            double[] sortedRatios = speedRatios.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double[] sortedPrefillRatios = prefillRatios.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            String label = describe(dir, m, format, comparedPath, comparedFormat);
            String comparedLabel = describe(comparedPath, comparedModel, comparedFormat, dir, format);
            // Repacked and copied weights live on huge pages where Linux offers them; mapped ones on the page cache's 4 KiB pages.
            boolean largePages = m.repackedBytes() + m.copiedBytes() > 0 && LargePages.available();
            double bandwidth = Roofline.measureReadBandwidthGBs(pool, Roofline.DEFAULT_READ_BYTES, largePages);
            String pages = largePages ? "2 MiB pages" : "4 KiB pages";
            double peak = Roofline.measurePeakGflops(pool);
            long bytesPerToken = m.weights().bytesReadPerToken();
            double decodeBound = bandwidth * 1e9 / bytesPerToken;
            double decodeTps = rounds.decodeTps();
            double prefillTps = rounds.prefillTps();
            double firstTokenMs = rounds.firstTokenMs();
            List<Double> decodeRounds = rounds.decode;
            double prefillGflops = prefillFlops(c, m.weights()) / promptTokens * prefillTps / 1e9;
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                ObjectNode n = mapper.createObjectNode();
                n.put("model", dir.toString());
                n.put("threads", pool.threads());
                n.put("prompt_tokens", promptTokens);
                n.put("new_tokens", newTokens);
                n.put("model_format", m.quantization().format().id());
                n.put("kv_format", format.name());
                n.put("weights_mapped_bytes", m.mappedBytes());
                n.put("weights_repacked_bytes", m.repackedBytes());
                n.put("weights_copied_bytes", m.copiedBytes());
                n.put("prefill_tok_s", prefillTps);
                n.put("first_token_latency_ms", firstTokenMs);
                n.put("decode_tok_s", decodeTps);
                n.put("test_rounds", testRounds);
                var decodeArray = n.putArray("decode_tok_s_rounds");
                decodeRounds.forEach(decodeArray::add);
                n.put("weight_bytes_per_token", bytesPerToken);
                n.put("read_bandwidth_gb_s", bandwidth);
                n.put("read_bandwidth_pages", largePages ? "2MiB" : "4KiB");
                n.put("decode_bound_tok_s", decodeBound);
                n.put("decode_bandwidth_ratio", decodeTps / decodeBound);
                n.put("prefill_gflops", prefillGflops);
                n.put("peak_gflops", peak);
                n.put("prefill_peak_ratio", prefillGflops / peak);
                if (comparing) {
                    ObjectNode o = n.putObject("compared");
                    o.put("model", comparedPath.toString());
                    o.put("model_format", comparedModel.quantization().format().id());
                    o.put("kv_format", comparedFormat.name());
                    o.put("prefill_tok_s", comparedRounds.prefillTps());
                    o.put("first_token_latency_ms", comparedRounds.firstTokenMs());
                    o.put("decode_tok_s", comparedRounds.decodeTps());
                    var cr = o.putArray("decode_tok_s_rounds");
                    comparedRounds.decode.forEach(cr::add);
                    o.put("segment_tokens", Alternation.SEGMENT);
                    o.put("segment_pairs", sortedRatios.length);
                    o.put("decode_speed_ratio", LatencyStats.percentile(sortedRatios, 50));
                    o.put("decode_speed_ratio_p25", LatencyStats.percentile(sortedRatios, 25));
                    o.put("decode_speed_ratio_p75", LatencyStats.percentile(sortedRatios, 75));
                    o.put("prefill_speed_ratio", LatencyStats.percentile(sortedPrefillRatios, 50));
                    o.put("prefill_speed_ratio_p25", LatencyStats.percentile(sortedPrefillRatios, 25));
                    o.put("prefill_speed_ratio_p75", LatencyStats.percentile(sortedPrefillRatios, 75));
                }
                out.println(mapper.writeValueAsString(n));
            } else {
                out.printf(Locale.ROOT, "model            %s (%s, %d threads)%n", dir, c.architecture().hfName(), pool.threads());
                out.printf(Locale.ROOT, "weights          %s: %.3f GB mapped from the files; at load %.3f GB repacked, %.3f GB copied (off-heap)%n",
                        m.quantization().format().id(), m.mappedBytes() / 1e9, m.repackedBytes() / 1e9, m.copiedBytes() / 1e9);
                out.printf(Locale.ROOT, "prompt / new     %d / %d tokens%n", promptTokens, newTokens);
                out.printf(Locale.ROOT, "kv cache         %s%n", format);
                out.printf(Locale.ROOT, "prefill          %.1f tok/s  (%.1f GFLOP/s = %.0f%% of peak %.1f GFLOP/s)%n",
                        prefillTps, prefillGflops, 100 * prefillGflops / peak, peak);
                out.printf(Locale.ROOT, "first token      %.1f ms%n", firstTokenMs);
                out.printf(Locale.ROOT, "decode           %.2f tok/s  (%.0f%% of the bandwidth bound %.2f tok/s: %.2f GB/token at %.1f GB/s, %s)%n",
                        decodeTps, 100 * decodeTps / decodeBound, decodeBound, bytesPerToken / 1e9, bandwidth, pages);
                if (testRounds > 1) {
                    out.printf(Locale.ROOT, "rounds           %d, medians above; decode per round: %s tok/s%n", testRounds,
                            formatRounds(decodeRounds));
                }
                if (comparing) {
                    out.printf(Locale.ROOT, "compared with    %s, decoded by turns of %d tokens with %s%n", comparedLabel,
                            Alternation.SEGMENT, label);
                    out.printf(Locale.ROOT, "                 prefill %.1f tok/s, decode %.2f tok/s%s%n",
                            comparedRounds.prefillTps(), comparedRounds.decodeTps(),
                            testRounds > 1 ? " (per round: " + formatRounds(comparedRounds.decode) + ")" : "");
                    out.printf(Locale.ROOT, "decode ratio     %s / %s = %.3f (median of %d turn pairs; quartiles %.3f, %.3f)%n",
                            comparedLabel, label, LatencyStats.percentile(sortedRatios, 50), sortedRatios.length,
                            LatencyStats.percentile(sortedRatios, 25), LatencyStats.percentile(sortedRatios, 75));
                    out.printf(Locale.ROOT, "prefill ratio    %s / %s = %.3f (median of %s, which prefills first alternating; quartiles %.3f, %.3f)%n",
                            comparedLabel, label, LatencyStats.percentile(sortedPrefillRatios, 50),
                            testRounds == 1 ? "1 round" : testRounds + " rounds",
                            LatencyStats.percentile(sortedPrefillRatios, 25), LatencyStats.percentile(sortedPrefillRatios, 75));
                }
            }
            out.flush();
        }
        return 0;
    }

    /**
     * FLOPs of the prefill: every prompt token through the layers' linear weights, causal
     * attention over the positions before it, and the LM head once (only the last token's
     * logits are computed).
     */
    private long prefillFlops(ModelConfig c, ModelWeights w) {
        long p = promptTokens;
        long attention = (long) c.numLayers() * c.numHeads() * c.headDim() * p * (p + 1); // q·k and weights·v, p(p+1)/2 each
        return 2 * (p * w.layerMultiplyAddsPerToken() + attention + w.lmHeadMultiplyAdds());
    }

    private static String formatRounds(List<Double> tps) {
        return String.join(", ", tps.stream().map(t -> String.format(Locale.ROOT, "%.2f", t)).toList());
    }

    /**
     * The KV format of the compared run: --compare-quant-policy's, else the measured one. The
     * compared run must differ from the measured one in its model or its KV format.
     */
    private KvFormat comparedFormat(KvFormat format) {
        if (compareQuantPolicy == null) {
            return format;
        }
        KvFormat compared;
        try {
            compared = KvFormat.forQuantPolicy(compareQuantPolicy, engine.kvFormat());
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage().replace("quant_policy", "--compare-quant-policy"));
        }
        if (compared == format && compareModel == null) {
            throw new UserException("--compare-quant-policy " + compareQuantPolicy + " gives the same KV cache (" + format
                    + ") as the one measured; compare with another, e.g. --quant-policy 0 --compare-quant-policy 8");
        }
        return compared;
    }

    /** How the text report names one side of a comparison: what sets it apart from the other. */
    private static String describe(Path dir, Model m, KvFormat format, Path otherDir, KvFormat otherFormat) {
        List<String> parts = new ArrayList<>();
        if (!otherDir.equals(dir)) {
            parts.add(dir.getFileName() + " (" + m.quantization().format().id() + ")");
        }
        if (format != otherFormat) {
            parts.add(format + " KV");
        }
        return String.join(", ", parts);
    }

    private static KvCacheSpec kvSpec(ModelConfig c, int tokens, KvFormat format) {
        return new KvCacheSpec(c.numLayers(), c.numKvHeads(), c.headDim(), 64, (tokens + 63) / 64, format);
    }

    /** One sequence's timings. */
    private record Run(long prefillNanos, long firstTokenNanos, long decodeNanos) {
    }

    /** The rounds' figures of one KV format. */
    private static final class Rounds {
        final List<Double> prefill = new ArrayList<>();
        final List<Double> firstToken = new ArrayList<>();
        final List<Double> decode = new ArrayList<>();

        void add(Run run, int promptTokens, int newTokens) {
            prefill.add(promptTokens / (run.prefillNanos() / 1e9));
            firstToken.add(run.firstTokenNanos() / 1e6);
            decode.add(newTokens == 1 ? 0 : (newTokens - 1) / (run.decodeNanos() / 1e9));
        }

        double prefillTps() {
            return LatencyStats.of(prefill).median();
        }

        double firstTokenMs() {
            return LatencyStats.of(firstToken).median();
        }

        double decodeTps() {
            return LatencyStats.of(decode).median();
        }
    }

    private static Run runOnce(Transformer tf, KvCache cache, int[] prompt, int newTokens) {
        Sequence s = Sequence.prefill(tf, cache, prompt);
        long decode = s.decode(newTokens - 1);
        return new Run(s.prefillNanos, s.firstTokenNanos, decode);
    }

    /** A greedy sequence on its own cache, all of whose blocks it uses in order. */
    static final class Sequence {
        private final Transformer tf;
        private final KvCache cache;
        private final int[] table;
        final long prefillNanos;
        final long firstTokenNanos;
        private int next;
        private int position;

        private Sequence(Transformer tf, KvCache cache, int[] table, long prefillNanos, long firstTokenNanos, int next,
                         int position) {
            this.tf = tf;
            this.cache = cache;
            this.table = table;
            this.prefillNanos = prefillNanos;
            this.firstTokenNanos = firstTokenNanos;
            this.next = next;
            this.position = position;
        }

        /** Prefills the prompt and samples the first token. */
        static Sequence prefill(Transformer tf, KvCache cache, int[] prompt) {
            int[] table = new int[cache.spec().numBlocks()];
            Arrays.setAll(table, i -> i);
            long t0 = System.nanoTime();
            Logits logits = tf.forward(List.of(new SequenceChunk(prompt, 0, table, LogitsMode.LAST)), cache);
            long t1 = System.nanoTime();
            int next = Sampler.argmax(logits.row(0));
            long t2 = System.nanoTime();
            return new Sequence(tf, cache, table, t1 - t0, t2 - t0, next, prompt.length);
        }

        /** Decodes {@code tokens} more tokens; returns the nanoseconds taken. */
        long decode(int tokens) {
            long t0 = System.nanoTime();
            for (int i = 0; i < tokens; i++) {
                Logits logits = tf.forward(List.of(new SequenceChunk(new int[] {next}, position++, table, LogitsMode.LAST)), cache);
                next = Sampler.argmax(logits.row(0));
            }
            return System.nanoTime() - t0;
        }
    }

    /**
     * Two prefilled sequences decoded by turns of {@link #SEGMENT} tokens, which of them goes
     * first alternating from turn to turn: a shared machine's speed drifts within seconds, and
     * two runs measured minutes apart differ by that drift as much as by themselves.
     *
     * @param speedRatios per turn pair, the second sequence's decode speed over the first's
     */
    record Alternation(Run first, Run second, List<Double> speedRatios) {
        static final int SEGMENT = 4;

        static Alternation run(Sequence a, Sequence b, int tokens) {
            long aNanos = 0;
            long bNanos = 0;
            List<Double> ratios = new ArrayList<>();
            for (int done = 0, turn = 0; done < tokens; done += SEGMENT, turn++) {
                int n = Math.min(SEGMENT, tokens - done);
                long ta;
                long tb;
                if (turn % 2 == 0) {
                    ta = a.decode(n);
                    tb = b.decode(n);
                } else {
                    tb = b.decode(n);
                    ta = a.decode(n);
                }
                aNanos += ta;
                bNanos += tb;
                ratios.add((double) ta / tb);
            }
            return new Alternation(new Run(a.prefillNanos, a.firstTokenNanos, aNanos),
                    new Run(b.prefillNanos, b.firstTokenNanos, bNanos), ratios);
        }
    }
}
