package dev.turbo4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turbo4j.core.sampling.GenerationConfig;
import dev.turbo4j.engine.Engine;
import dev.turbo4j.engine.EngineOutput;
import dev.turbo4j.server.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * What the HTTP layer adds to time-to-first-token at concurrency 1: the same prompt runs
 * alternately on the engine in process and as a streamed {@code /v1/completions} request to an
 * api_server over loopback, and the two TTFT distributions are compared. The HTTP client is a
 * bare HTTP/1.1 socket on a kept-alive connection, so the figure is the server's and the
 * network stack's, not a client library's. Both sides count the first token that carries text
 * (the first SSE chunk). The server is warmed up first, as a long-running server would be.
 */
@Command(name = "http-overhead", mixinStandardHelpOptions = true,
        description = "Time-to-first-token over HTTP (SSE) vs in process, at concurrency 1.")
final class BenchHttpOverheadCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "Model folder (with tokenizer files).")
    String model;

    @Option(names = "--rounds", defaultValue = "300", description = "Timed request pairs (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup", defaultValue = "1000", description = "Untimed request pairs first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--prompt-tokens", defaultValue = "32", description = "Prompt length in tokens (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--new-tokens", defaultValue = "4", description = "Tokens generated per request (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() throws Exception {
        if (rounds < 1 || warmup < 0 || promptTokens < 1 || newTokens < 1) {
            throw new UserException("--rounds, --prompt-tokens and --new-tokens must be >= 1, --warmup >= 0");
        }
        Path dir = ModelPaths.resolve(model);
        ServerConfig config = ServerConfig.defaults().withServerName("127.0.0.1").withServerPort(0);
        try (LocalApiServer served = LocalApiServer.start(dir, "bench", null, engine, config)) {
            int vocab = served.model().model().config().vocabSize();
            int[] ids = new SplittableRandom(0).ints(promptTokens, 3, Math.min(vocab, 30000)).toArray();
            GenerationConfig greedy = GenerationConfig.greedy().withMaxNewTokens(newTokens).withIgnoreEos(true);
            ObjectNode body = new ObjectMapper().createObjectNode();
            body.put("model", "bench").put("max_tokens", newTokens).put("temperature", 0).put("ignore_eos", true)
                    .put("stream", true);
            var prompt = body.putArray("prompt");
            for (int id : ids) {
                prompt.add(id);
            }
            byte[] request = request(body.toString(), served.server().url());
            List<Double> inProcess = new ArrayList<>();
            List<Double> overHttp = new ArrayList<>();
            try (Socket socket = new Socket("127.0.0.1", java.net.URI.create(served.server().url()).getPort())) {
                socket.setTcpNoDelay(true);
                for (int i = 0; i < warmup + rounds; i++) {
                    double local = inProcessTtft(served.engine(), ids, greedy);
                    double remote = httpTtft(socket, request);
                    if (i >= warmup) {
                        inProcess.add(local);
                        overHttp.add(remote);
                    }
                }
            }
            report(LatencyStats.of(inProcess), LatencyStats.of(overHttp));
        }
        return 0;
    }

    private static double inProcessTtft(Engine engine, int[] ids, GenerationConfig config) throws InterruptedException {
        long t0 = System.nanoTime();
        double ttft = -1;
        for (EngineOutput o : engine.generate(ids, config)) {
            if (ttft < 0 && !o.text().isEmpty()) {
                ttft = (System.nanoTime() - t0) / 1e6;
            }
        }
        return ttft;
    }

    private static byte[] request(String json, String url) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "POST /v1/completions HTTP/1.1\r\nHost: " + java.net.URI.create(url).getAuthority()
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[h.length + body.length];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(body, 0, out, h.length, body.length);
        return out;
    }

    /** Sends the request and reads the chunked SSE response to its end; the time of the first event. */
    private static double httpTtft(Socket socket, byte[] request) throws IOException {
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        long t0 = System.nanoTime();
        out.write(request);
        out.flush();
        String status = line(in);
        if (!status.startsWith("HTTP/1.1 200")) {
            throw new UserException("the api_server answered " + status);
        }
        boolean chunked = false;
        for (String h; !(h = line(in)).isEmpty(); ) {
            chunked |= h.toLowerCase(Locale.ROOT).startsWith("transfer-encoding:") && h.contains("chunked");
        }
        if (!chunked) {
            throw new UserException("expected a chunked event stream from the api_server");
        }
        double ttft = -1;
        for (int size; (size = Integer.parseInt(line(in).trim(), 16)) > 0; ) {
            String data = new String(in.readNBytes(size), StandardCharsets.UTF_8);
            if (ttft < 0 && data.contains("data: {")) {
                ttft = (System.nanoTime() - t0) / 1e6;
            }
            line(in); // the CRLF after the chunk
        }
        line(in); // the CRLF after the last chunk
        return ttft;
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("the api_server closed the connection");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    private void report(LatencyStats local, LatencyStats http) {
        java.io.PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode n = new ObjectMapper().createObjectNode();
            n.put("rounds", rounds).put("prompt_tokens", promptTokens).put("new_tokens", newTokens);
            put(n.putObject("in_process_ttft_ms"), local);
            put(n.putObject("http_ttft_ms"), http);
            n.putObject("http_overhead_ms").put("mean", http.mean() - local.mean()).put("median", http.median() - local.median());
            out.println(n.toPrettyString());
            out.flush();
            return;
        }
        out.printf(Locale.ROOT, "%d rounds after %d warm-up, %d-token prompt, concurrency 1%n", rounds, warmup, promptTokens);
        out.printf(Locale.ROOT, "TTFT in process   mean %7.2f ms  median %7.2f ms  p99 %7.2f ms%n", local.mean(), local.median(), local.p99());
        out.printf(Locale.ROOT, "TTFT over HTTP    mean %7.2f ms  median %7.2f ms  p99 %7.2f ms%n", http.mean(), http.median(), http.p99());
        out.printf(Locale.ROOT, "HTTP overhead     mean %7.2f ms  median %7.2f ms%n", http.mean() - local.mean(), http.median() - local.median());
        out.flush();
    }

    private static void put(ObjectNode n, LatencyStats s) {
        n.put("mean", s.mean()).put("median", s.median()).put("p99", s.p99());
    }
}
