package dev.turbo4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load on a running OpenAI-compatible server through /v1/completions (LMDeploy's
 * profile_restful_api): C clients on virtual threads, each sending its next prompt as soon as
 * the last one is answered; request and token throughput, and TTFT / TPOT / ITL / E2E latency
 * (mean, median, P99).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Throughput and latency of a running api_server (LMDeploy's profile_restful_api).")
final class BenchServeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] WORDS = ("the lord god said unto him and it came to pass that in those days there "
            + "was a man whose name was of the house of israel who went up into the land and dwelt there with his "
            + "sons and daughters for many years until the famine was sore in all the earth").split(" ");

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "URL", description = "The server, e.g. http://127.0.0.1:23333.")
    String url;

    @Option(names = "--concurrency", defaultValue = "1", description = {"Clients sending at once (default: ${DEFAULT-VALUE}).",
            "With --request-rate: the most requests in flight (default: no limit), as vLLM's --max-concurrency."})
    int concurrency;

    @Option(names = "--request-rate", paramLabel = "R", description = {"Send R requests per second on average, at"
            + " Poisson-distributed times (seeded by --seed), whether or not earlier ones have finished, as vLLM's",
            "benchmark_serving and LMDeploy's profile_restful_api (default: each client sends its next request when its last one ends)."})
    Double requestRate;

    @Option(names = "--num-prompts", defaultValue = "100", description = "Requests in total (default: ${DEFAULT-VALUE}).")
    int numPrompts;

    @Option(names = "--duration", description = "Instead of --num-prompts: keep sending for this many seconds.")
    Double duration;

    @Option(names = "--dataset", defaultValue = "random", description = "'random', a JSONL file of {\"prompt\", \"max_tokens\"?}, or a ShareGPT JSON file (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--random-input-len", defaultValue = "128", description = "Words per random prompt (default: ${DEFAULT-VALUE}).")
    int randomInputLen;

    @Option(names = "--random-output-len", defaultValue = "128", description = "max_tokens per request, with ignore_eos (default: ${DEFAULT-VALUE}).")
    int outputLen;

    @Option(names = "--stream", description = "Stream the replies (needed for TTFT, TPOT and ITL).")
    boolean stream;

    @Option(names = "--api-key", description = "Sent as 'Authorization: Bearer KEY'.")
    String apiKey;

    @Option(names = "--model", description = "Model id (default: the first of /v1/models).")
    String model;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random prompts (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    private HttpClient http;

    /** One prompt to send and how many tokens to ask for. */
    record Prompt(String text, int maxTokens) {
    }

    /** What one request measured; times in seconds from its start. */
    record Sample(boolean ok, String error, int promptTokens, int completionTokens, double ttft, double e2e,
                  double[] itl) {
    }

    @Override
    public Integer call() throws Exception {
        if (concurrency < 1 || numPrompts < 1 || (duration != null && duration <= 0)) {
            throw new UserException("--concurrency, --num-prompts and --duration must be positive");
        }
        if (requestRate != null && !(requestRate > 0 && Double.isFinite(requestRate))) {
            throw new UserException("--request-rate must be a positive number of requests per second, got " + requestRate
                    + "; leave it out to send each request when the last one ends");
        }
        if (outputLen < 1 || randomInputLen < 1) {
            throw new UserException("--random-output-len and --random-input-len must be at least 1");
        }
        if (!url.contains("://")) {
            url = "http://" + url; // as LMDeploy's client does
        }
        url = url.replaceAll("/+$", "");
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
                .executor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()).build();
        if (model == null) {
            model = modelId();
        }
        List<Prompt> prompts = prompts();
        ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
        long start = System.nanoTime();
        long deadline = duration == null ? Long.MAX_VALUE : start + (long) (duration * 1e9);
        int total = duration == null ? numPrompts : Integer.MAX_VALUE;
        List<Thread> requests = requestRate == null ? sendByClients(prompts, total, deadline, samples)
                : sendAtRate(prompts, total, start, deadline, samples);
        for (Thread t : requests) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        List<Sample> all = new ArrayList<>(samples);
        if (all.stream().noneMatch(Sample::ok)) {
            throw new UserException("all " + all.size() + " requests failed: "
                    + all.stream().map(Sample::error).distinct().limit(3).reduce((a, b) -> a + "; " + b).orElse("none was sent"));
        }
        report(all, seconds);
        return all.stream().allMatch(Sample::ok) ? 0 : 1;
    }

    /** A closed loop: {@link #concurrency} clients, each sending its next request when its last one ends. */
    private List<Thread> sendByClients(List<Prompt> prompts, int total, long deadline, Collection<Sample> samples) {
        AtomicInteger next = new AtomicInteger();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < concurrency; c++) {
            clients.add(Thread.ofVirtual().name("bench-client-" + c).start(() -> {
                int i;
                while (System.nanoTime() < deadline && (i = next.getAndIncrement()) < total) {
                    samples.add(send(prompts.get(i % prompts.size())));
                }
            }));
        }
        return clients;
    }

    /**
     * An open loop: request i starts at the i-th arrival of a Poisson process of {@link #requestRate}
     * per second (the first at once, as vLLM's benchmark does), each on its own thread, at most
     * {@link #concurrency} in flight when that was given.
     */
    private List<Thread> sendAtRate(List<Prompt> prompts, int total, long start, long deadline, Collection<Sample> samples)
            throws InterruptedException {
        boolean capped = spec.commandLine().getParseResult().hasMatchedOption("--concurrency");
        Semaphore inFlight = new Semaphore(capped ? concurrency : Integer.MAX_VALUE);
        SplittableRandom arrivals = new SplittableRandom(seed).split(); // not the prompts' stream
        List<Thread> requests = new ArrayList<>();
        long at = start;
        for (int i = 0; i < total && at < deadline; i++) {
            long wait = at - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            inFlight.acquire();
            if (System.nanoTime() >= deadline) { // waited for a slot past --duration
                inFlight.release();
                break;
            }
            Prompt prompt = prompts.get(i % prompts.size());
            requests.add(Thread.ofVirtual().name("bench-request-" + i).start(() -> {
                try {
                    samples.add(send(prompt));
                } finally {
                    inFlight.release();
                }
            }));
            at += (long) (-Math.log(1 - arrivals.nextDouble()) / requestRate * 1e9);
        }
        return requests;
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofMinutes(10));
        if (apiKey != null) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        return b;
    }

    private String modelId() throws IOException, InterruptedException {
        HttpResponse<String> r;
        try {
            r = http.send(request("/v1/models").GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UserException(url + ": no server answers: " + dev.turbo4j.server.http.ConnectFailure.describe(e));
        }
        if (r.statusCode() != 200) {
            throw new UserException(url + "/v1/models answered " + r.statusCode() + ": " + r.body());
        }
        JsonNode id = JSON.readTree(r.body()).path("data").path(0).path("id");
        if (!id.isTextual()) {
            throw new UserException(url + "/v1/models lists no model; name one with --model");
        }
        return id.asText();
    }

    private List<Prompt> prompts() throws IOException {
        List<Prompt> out = new ArrayList<>();
        if (dataset.equals("random")) {
            SplittableRandom random = new SplittableRandom(seed);
            for (int i = 0; i < Math.min(numPrompts, 1000); i++) {
                StringBuilder sb = new StringBuilder();
                for (int w = 0; w < randomInputLen; w++) {
                    sb.append(w == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
                }
                out.add(new Prompt(sb.toString(), outputLen));
            }
            return out;
        }
        Path file = Path.of(dataset);
        if (!Files.isRegularFile(file)) {
            throw new UserException(dataset + ": dataset file not found (or use --dataset random)");
        }
        String text = Files.readString(file);
        String formats = "expected a ShareGPT JSON array ([{\"conversations\": [{\"from\": \"human\", \"value\": ...}, ...]}])"
                + " or JSON lines of {\"prompt\": ..., \"max_tokens\": ...}";
        try {
            if (text.stripLeading().startsWith("[")) {
                // ShareGPT, as LMDeploy and vLLM read it: conversations of two turns or more, the first the prompt.
                for (JsonNode item : JSON.readTree(text)) {
                    JsonNode first = item.path("conversations").path(0).path("value");
                    if (item.path("conversations").size() >= 2 && first.isTextual() && !first.asText().isBlank()) {
                        out.add(new Prompt(first.asText(), outputLen));
                    }
                }
            } else {
                int lineNumber = 0;
                for (String line : text.split("\n")) {
                    lineNumber++;
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode n = JSON.readTree(line);
                    if (!n.path("prompt").isTextual() || (n.has("max_tokens") && n.get("max_tokens").asInt() < 1)) {
                        throw new UserException(dataset + " line " + lineNumber + ": needs a \"prompt\" string (and a"
                                + " \"max_tokens\" of at least 1, if any); " + formats);
                    }
                    out.add(new Prompt(n.get("prompt").asText(), n.has("max_tokens") ? n.get("max_tokens").asInt() : outputLen));
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UserException(dataset + ": not valid JSON (" + e.getOriginalMessage() + "); " + formats);
        }
        if (out.isEmpty()) {
            throw new UserException(dataset + ": no prompts found; " + formats);
        }
        return out;
    }

    private Sample send(Prompt p) {
        ObjectNode body = JSON.createObjectNode().put("model", model).put("prompt", p.text())
                .put("max_tokens", p.maxTokens()).put("temperature", 0).put("ignore_eos", true).put("stream", stream);
        if (stream) {
            body.putObject("stream_options").put("include_usage", true);
        }
        long t0 = System.nanoTime();
        try {
            HttpRequest req = request("/v1/completions").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
            if (!stream) {
                HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                double e2e = (System.nanoTime() - t0) / 1e9;
                if (r.statusCode() != 200) {
                    return failed(r.statusCode() + " " + r.body());
                }
                JsonNode usage = JSON.readTree(r.body()).path("usage");
                if (!usage.path("completion_tokens").isInt()) {
                    return failed("the reply has no usage, so its tokens cannot be counted");
                }
                // Not streamed: the first token's time is not seen (NaN: reported as not measured).
                return new Sample(true, null, usage.path("prompt_tokens").asInt(), usage.get("completion_tokens").asInt(),
                        Double.NaN, e2e, new double[0]);
            }
            HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                if (r.statusCode() != 200) {
                    return failed(r.statusCode() + " " + in.lines().reduce("", String::concat));
                }
                double ttft = -1;
                double last = 0;
                List<Double> itl = new ArrayList<>();
                int prompt = 0;
                int completion = 0;
                boolean done = false;
                for (String line; (line = in.readLine()) != null; ) {
                    if (!line.startsWith("data: ")) {
                        continue;
                    }
                    String data = line.substring(6);
                    if (data.equals("[DONE]")) {
                        done = true;
                        break;
                    }
                    double now = (System.nanoTime() - t0) / 1e9;
                    JsonNode chunk = JSON.readTree(data);
                    JsonNode choices = chunk.get("choices");
                    if (choices != null && !choices.isEmpty() && !choices.get(0).path("text").asText().isEmpty()) {
                        if (ttft < 0) {
                            ttft = now;
                        } else {
                            itl.add(now - last);
                        }
                        last = now;
                    }
                    JsonNode usage = chunk.get("usage");
                    if (usage != null && !usage.isNull()) {
                        prompt = usage.get("prompt_tokens").asInt();
                        completion = usage.get("completion_tokens").asInt();
                    }
                }
                double e2e = (System.nanoTime() - t0) / 1e9;
                if (!done) {
                    return failed("the stream ended without [DONE]");
                }
                if (completion == 0 && ttft >= 0) {
                    return failed("the stream carried no usage (stream_options.include_usage), so its tokens cannot be counted");
                }
                return new Sample(true, null, prompt, completion, ttft < 0 ? e2e : ttft, e2e,
                        itl.stream().mapToDouble(Double::doubleValue).toArray());
            }
        } catch (IOException e) {
            return failed(e.toString());
        } catch (RuntimeException e) { // a reply of an unexpected shape: this request fails, not the client
            return failed("unexpected reply (" + e + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed("interrupted");
        }
    }

    private static Sample failed(String error) {
        return new Sample(false, error, 0, 0, 0, 0, new double[0]);
    }

    private void report(List<Sample> samples, double seconds) throws IOException, InterruptedException {
        List<Sample> ok = samples.stream().filter(Sample::ok).toList();
        List<String> errors = samples.stream().filter(s -> !s.ok()).map(Sample::error).distinct().limit(5).toList();
        long in = ok.stream().mapToLong(Sample::promptTokens).sum();
        long out = ok.stream().mapToLong(Sample::completionTokens).sum();
        List<Double> ttft = ok.stream().filter(s -> !Double.isNaN(s.ttft())).map(s -> s.ttft() * 1e3).toList();
        List<Double> e2e = ok.stream().map(s -> s.e2e() * 1e3).toList();
        List<Double> tpot = ok.stream().filter(s -> !Double.isNaN(s.ttft()) && s.completionTokens() > 1)
                .map(s -> (s.e2e() - s.ttft()) * 1e3 / (s.completionTokens() - 1)).toList();
        List<Double> itl = ok.stream().flatMapToDouble(s -> Arrays.stream(s.itl())).mapToObj(t -> t * 1e3).toList();
        ObjectNode r = JSON.createObjectNode();
        // With --request-rate, concurrency is a cap only where one was given.
        boolean capped = requestRate == null || spec.commandLine().getParseResult().hasMatchedOption("--concurrency");
        r.put("url", url).put("model", model).put("concurrency", capped ? concurrency : null)
                .put("request_rate", requestRate).put("stream", stream)
                .put("requests", samples.size()).put("successful", ok.size()).put("failed", samples.size() - ok.size())
                .put("duration_s", seconds).put("request_throughput", ok.size() / seconds)
                .put("input_tokens", in).put("output_tokens", out).put("input_token_throughput", in / seconds)
                .put("output_token_throughput", out / seconds).put("total_token_throughput", (in + out) / seconds);
        if (!errors.isEmpty()) {
            errors.forEach(r.putArray("errors")::add);
        }
        // Without streaming only E2E is measured, and TPOT/ITL need answers of 2 tokens or more: the
        // others are null, as LMDeploy prints "-".
        Map<String, List<Double>> latencies = new LinkedHashMap<>();
        latencies.put("ttft_ms", ttft);
        latencies.put("tpot_ms", tpot);
        latencies.put("itl_ms", itl);
        latencies.put("e2e_ms", e2e);
        latencies.forEach((name, values) -> {
            if ((stream || name.equals("e2e_ms")) && !values.isEmpty()) {
                r.set(name, LatencyStats.of(values).toJson(JSON));
            } else {
                r.putNull(name);
            }
        });
        JsonNode kv = engineState();
        if (kv != null) {
            r.putObject("kv_blocks_after").put("free", kv.path("free_blocks").asInt())
                    .put("total", kv.path("total_blocks").asInt()).put("running", kv.path("running").asInt());
        }
        var w = spec.commandLine().getOut();
        if (json) {
            w.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r));
        } else {
            w.printf(Locale.ROOT, "%-28s %s%n", "model", model);
            String load = requestRate == null ? "concurrency " + concurrency
                    : String.format(Locale.ROOT, "%.2f req/s (Poisson)%s", requestRate,
                    spec.commandLine().getParseResult().hasMatchedOption("--concurrency") ? ", at most " + concurrency + " at once" : "");
            w.printf(Locale.ROOT, "%-28s %d (%d ok, %d failed) in %.1f s, %s%s%n", "requests", samples.size(),
                    ok.size(), samples.size() - ok.size(), seconds, load, stream ? ", streamed" : "");
            w.printf(Locale.ROOT, "%-28s %.2f%n", "request throughput (req/s)", r.get("request_throughput").asDouble());
            w.printf(Locale.ROOT, "%-28s %.1f in, %.1f out, %.1f total%n", "token throughput (tok/s)",
                    in / seconds, out / seconds, (in + out) / seconds);
            w.printf(Locale.ROOT, "%-28s %10s %10s %10s%n", "latency (ms)", "mean", "median", "P99");
            for (String k : latencies.keySet()) {
                JsonNode n = r.get(k);
                String name = k.replace("_ms", "").toUpperCase(Locale.ROOT);
                if (n.isNull()) {
                    w.printf(Locale.ROOT, "%-28s %10s %10s %10s%s%n", name, "-", "-", "-",
                            stream ? "" : "  (not measured without --stream)");
                } else {
                    w.printf(Locale.ROOT, "%-28s %10.2f %10.2f %10.2f%n", name,
                            n.get("mean").asDouble(), n.get("median").asDouble(), n.get("p99").asDouble());
                }
            }
            if (kv != null) {
                w.printf("%-28s %d free of %d, %d running%n", "KV blocks afterwards", kv.path("free_blocks").asInt(),
                        kv.path("total_blocks").asInt(), kv.path("running").asInt());
            }
            errors.forEach(e -> w.println("error: " + e));
        }
        w.flush();
    }

    /** The engine snapshot of a Turbo4j server (null for other servers), after its last step. */
    private JsonNode engineState() throws InterruptedException {
        try {
            Thread.sleep(200); // cancelled requests free their blocks at the engine's next step
            HttpResponse<String> s = http.send(request("/v1/engine/state").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return s.statusCode() == 200 ? JSON.readTree(s.body()).get("engine") : null;
        } catch (IOException e) {
            return null;
        }
    }
}
