package dev.turbo4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turbo4j.core.sampling.GenerationConfig;
import dev.turbo4j.engine.Engine;
import dev.turbo4j.engine.EngineOutput;
import dev.turbo4j.engine.EngineStats;
import dev.turbo4j.engine.GenerationStream;
import dev.turbo4j.engine.LocalModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Offline throughput of the engine, LMDeploy's profile_throughput: C clients keep C requests
 * in flight until N prompts are done; reports request and token throughput and the
 * time-to-first-token, time-per-output-token and end-to-end latency distributions.
 */
@Command(name = "throughput", mixinStandardHelpOptions = true,
        description = "Engine throughput with C concurrent clients (LMDeploy's profile_throughput).")
final class BenchThroughputCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "Model folder (with tokenizer files).")
    String model;

    @Option(names = "--concurrency", defaultValue = "16", description = "Requests in flight (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--num-prompts", defaultValue = "64", description = "Requests in total (default: ${DEFAULT-VALUE}).")
    int numPrompts;

    @Option(names = "--dataset", defaultValue = "random",
            description = "'random' (random token ids), or a ShareGPT JSON file / a .jsonl of {\"prompt\", \"output_len\"?}.")
    String dataset;

    @Option(names = "--input-len", defaultValue = "128", description = "Tokens of each random prompt after the --shared-prefix-len ones (default: ${DEFAULT-VALUE}).")
    int inputLen;

    @Option(names = "--output-len", defaultValue = "64", description = "Tokens generated per request (default: ${DEFAULT-VALUE}).")
    int outputLen;

    @Option(names = "--shared-prefix-len", defaultValue = "0", description = "Every prompt starts with the same P tokens (a system prompt).")
    int sharedPrefixLen;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random prompts (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    @Mixin
    EngineOptions engine;

    private record Prompt(int[] ids, int outputLen) {
    }

    private record Sample(double ttftMs, double e2eMs, int inputTokens, int outputTokens) {
    }

    @Override
    public Integer call() throws Exception {
        if (concurrency < 1 || numPrompts < 1 || inputLen < 1 || outputLen < 1 || sharedPrefixLen < 0) {
            throw new UserException("--concurrency, --num-prompts, --input-len and --output-len must be >= 1");
        }
        Path dir = ModelPaths.resolve(model);
        try (LocalModel lm = LocalModel.open(dir, engine.threads(), engine.loadOptions())) {
            // The batch holds every client's request unless --max-batch-size says otherwise.
            var config = engine.maxBatchSize != null ? engine.config() : engine.config().withMaxBatchSize(concurrency);
            try (Engine eng = Engine.start(lm, config)) {
                List<Prompt> prompts = prompts(lm, eng.sessionLen()); // the engine's own limit (cap, KV pool)
                // Warm-up: compile the hot paths before timing.
                eng.generate(prompts.getFirst().ids(), GenerationConfig.greedy().withMaxNewTokens(4).withIgnoreEos(true)).result();
                EngineStats before = eng.stats();
                ConcurrentLinkedQueue<Prompt> queue = new ConcurrentLinkedQueue<>(prompts);
                List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
                long start = System.nanoTime();
                List<String> failures = Collections.synchronizedList(new ArrayList<>());
                try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int c = 0; c < concurrency; c++) {
                        clients.submit(() -> {
                            Prompt p;
                            while ((p = queue.poll()) != null) {
                                try {
                                    samples.add(runOne(eng, p));
                                } catch (RuntimeException e) { // counted and shown, not lost with the client
                                    failures.add(e.getMessage());
                                }
                            }
                            return null;
                        });
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                if (!failures.isEmpty()) {
                    throw new UserException(failures.size() + " of " + prompts.size() + " requests failed: "
                            + failures.stream().distinct().limit(3).reduce((a, b) -> a + "; " + b).orElse(""));
                }
                report(samples, seconds, eng.stats(), before);
            }
        }
        return 0;
    }

    private Sample runOne(Engine eng, Prompt p) throws InterruptedException {
        GenerationConfig cfg = GenerationConfig.greedy().withMaxNewTokens(p.outputLen()).withIgnoreEos(true);
        long t0 = System.nanoTime();
        long first = 0;
        GenerationStream s = eng.generate(p.ids(), cfg);
        int tokens = 0;
        for (EngineOutput o : s) {
            if (first == 0 && o.tokenIds().length > 0) {
                first = System.nanoTime();
            }
            tokens += o.tokenIds().length;
        }
        long end = System.nanoTime();
        if (first == 0) {
            throw new IllegalStateException("a request generated no token (" + s.result().finishReason().openAiName() + ")");
        }
        return new Sample((first - t0) / 1e6, (end - t0) / 1e6, p.ids().length, tokens);
    }

    /** A dataset entry: its prompt, and its output length or the reply whose length it takes (null: --output-len). */
    private record Entry(String prompt, Integer outputLen, String reply) {
    }

    private List<Prompt> prompts(LocalModel lm, int sessionLen) throws IOException {
        List<Prompt> out = new ArrayList<>();
        int vocab = lm.model().config().vocabSize();
        SplittableRandom rnd = new SplittableRandom(seed);
        if (dataset.equals("random")) {
            int[] prefix = rnd.ints(sharedPrefixLen, 3, Math.min(vocab, 30000)).toArray();
            for (int i = 0; i < numPrompts; i++) {
                int[] ids = new int[sharedPrefixLen + inputLen];
                System.arraycopy(prefix, 0, ids, 0, sharedPrefixLen);
                for (int j = sharedPrefixLen; j < ids.length; j++) {
                    ids[j] = rnd.nextInt(3, Math.min(vocab, 30000));
                }
                out.add(new Prompt(ids, outputLen));
            }
            return out;
        }
        Path file = Path.of(dataset);
        if (!Files.isRegularFile(file)) {
            throw new UserException(dataset + ": dataset file not found (or use --dataset random)");
        }
        ObjectMapper mapper = new ObjectMapper();
        List<Entry> pairs = new ArrayList<>();
        try {
            if (dataset.endsWith(".jsonl")) {
                int lineNumber = 0;
                for (String line : Files.readAllLines(file)) {
                    lineNumber++;
                    if (!line.isBlank()) {
                        JsonNode n = mapper.readTree(line);
                        JsonNode len = n.get("output_len");
                        if (!n.path("prompt").isTextual() || (len != null && !(len.canConvertToInt() && len.asInt() >= 1))) {
                            throw new UserException(dataset + " line " + lineNumber
                                    + ": needs a \"prompt\" string and, if any, an \"output_len\" integer of at least 1");
                        }
                        pairs.add(new Entry(n.get("prompt").asText(), len == null ? null : len.asInt(), null));
                    }
                }
            } else {
                for (JsonNode conv : mapper.readTree(file.toFile())) {
                    JsonNode turns = conv.path("conversations");
                    if (turns.size() >= 2 && turns.get(0).path("value").isTextual() && turns.get(1).path("value").isTextual()) {
                        pairs.add(new Entry(turns.get(0).path("value").asText(), null, turns.get(1).path("value").asText()));
                    }
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UserException(dataset + ": not a ShareGPT JSON file or a .jsonl of prompts (" + e.getOriginalMessage() + ")");
        }
        int[] prefix = rnd.ints(sharedPrefixLen, 3, Math.min(vocab, 30000)).toArray();
        for (Entry pair : pairs) {
            if (out.size() == numPrompts) {
                break;
            }
            int[] text = lm.tokenizer().encode(pair.prompt(), true);
            int[] ids = new int[sharedPrefixLen + text.length];
            System.arraycopy(prefix, 0, ids, 0, sharedPrefixLen);
            System.arraycopy(text, 0, ids, sharedPrefixLen, text.length);
            int outLen = outputLen;
            if (pair.outputLen() != null) {
                outLen = pair.outputLen();
            } else if (pair.reply() != null) { // ShareGPT: as long as the recorded reply, as LMDeploy and vLLM
                outLen = Math.max(1, lm.tokenizer().encode(pair.reply(), false).length);
            }
            // As LMDeploy's sampling: prompts that do not fit the session (or give no output) are left out.
            if (outLen >= 1 && ids.length + outLen <= sessionLen) {
                out.add(new Prompt(ids, outLen));
            }
        }
        if (pairs.size() < numPrompts) {
            throw new UserException(dataset + " holds " + pairs.size() + " prompts; --num-prompts asks for " + numPrompts);
        }
        if (out.size() < numPrompts) {
            throw new UserException(dataset + ": " + out.size() + " usable prompts (that fit the session length "
                    + sessionLen + " with their output) of the " + numPrompts + " --num-prompts asks for");
        }
        return out;
    }

    private void report(List<Sample> samples, double seconds, EngineStats after, EngineStats before) throws IOException {
        long input = samples.stream().mapToLong(Sample::inputTokens).sum();
        long output = samples.stream().mapToLong(Sample::outputTokens).sum();
        List<Double> ttft = samples.stream().map(Sample::ttftMs).toList();
        List<Double> e2e = samples.stream().map(Sample::e2eMs).toList();
        List<Double> tpot = samples.stream().filter(s -> s.outputTokens() > 1)
                .map(s -> (s.e2eMs() - s.ttftMs()) / (s.outputTokens() - 1)).toList();
        double overhead = 1 - (double) (forwardNanos(after) - forwardNanos(before)) / Math.max(1, stepNanos(after) - stepNanos(before));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode n = mapper.createObjectNode();
            n.put("concurrency", concurrency);
            n.put("num_prompts", samples.size());
            n.put("elapsed_s", seconds);
            n.put("request_throughput", samples.size() / seconds);
            n.put("input_throughput", input / seconds);
            n.put("output_throughput", output / seconds);
            n.set("ttft_ms", LatencyStats.of(ttft).toJson(mapper));
            n.set("tpot_ms", LatencyStats.of(tpot).toJson(mapper));
            n.set("e2e_ms", LatencyStats.of(e2e).toJson(mapper));
            n.put("engine_overhead_fraction", overhead);
            n.put("prefix_hit_tokens", after.prefixHitTokens() - before.prefixHitTokens());
            out.println(mapper.writeValueAsString(n));
        } else {
            out.printf(Locale.ROOT, "concurrency %d, %d requests in %.2f s%n", concurrency, samples.size(), seconds);
            out.printf(Locale.ROOT, "request throughput  %10.3f req/s%n", samples.size() / seconds);
            out.printf(Locale.ROOT, "input throughput    %10.1f tok/s%n", input / seconds);
            out.printf(Locale.ROOT, "output throughput   %10.1f tok/s%n", output / seconds);
            out.printf(Locale.ROOT, "TTFT (ms)           %s%n", LatencyStats.of(ttft).format());
            out.printf(Locale.ROOT, "TPOT (ms)           %s%n", LatencyStats.of(tpot).format());
            out.printf(Locale.ROOT, "E2E  (ms)           %s%n", LatencyStats.of(e2e).format());
            out.printf(Locale.ROOT, "engine overhead     %10.1f %% of step time (scheduling, sampling, streaming)%n", 100 * overhead);
            if (engine.enablePrefixCaching) {
                out.printf(Locale.ROOT, "prefix cache hits   %10d tokens%n", after.prefixHitTokens() - before.prefixHitTokens());
            }
        }
        out.flush();
    }

    private static long forwardNanos(EngineStats s) {
        return s.forwardNanos();
    }

    private static long stepNanos(EngineStats s) {
        return s.stepNanos();
    }
}
