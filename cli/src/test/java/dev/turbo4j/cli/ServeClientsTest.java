package dev.turbo4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turbo4j.core.chat.ChatTemplates;
import dev.turbo4j.engine.Engine;
import dev.turbo4j.engine.EngineConfig;
import dev.turbo4j.engine.EngineStats;
import dev.turbo4j.engine.LocalModel;
import dev.turbo4j.server.ApiServer;
import dev.turbo4j.server.ServedModel;
import dev.turbo4j.server.ServerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code serve api_client} against a live api_server, and {@code serve webui} over a URL and over a model. */
class ServeClientsTest {
    static final Path DEMO = Path.of(CommandLineTest.MODEL);
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    static LocalModel model;
    static Engine engine;
    static ApiServer server;

    @BeforeAll
    static void start() {
        model = LocalModel.open(DEMO, 2);
        engine = Engine.start(model, EngineConfig.defaults().withSessionLen(512).withMaxBatchSize(4));
        server = ApiServer.start(new ServedModel(engine, "kjv", ChatTemplates.resolve(DEMO, null)),
                ServerConfig.defaults().withServerName("127.0.0.1").withServerPort(0).withApiKeys(List.of("sk-t")));
    }

    @AfterAll
    static void stop() {
        server.close();
        engine.close();
        model.close();
    }

    /** Runs {@code turbo4j serve api_client ...} with {@code typed} as the user's input. */
    static CommandLineTest.Result apiClient(String typed, String... args) {
        CommandLine cl = Main.commandLine();
        ServeApiClientCommand client = cl.getSubcommands().get("serve").getSubcommands().get("api_client").getCommand();
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        client.input = new ByteArrayInputStream(typed.getBytes(StandardCharsets.UTF_8));
        client.output = terminal;
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("serve", "api_client"));
        all.addAll(List.of(args));
        int exit = cl.execute(all.toArray(String[]::new));
        return new CommandLineTest.Result(exit, terminal.toString(StandardCharsets.UTF_8), err.toString());
    }

    /** What the server answers a fresh session, greedily: the text api_client must have streamed. */
    static String greedyAnswer(String prompt, int maxTokens) throws Exception {
        String body = "{\"prompt\": " + JSON.writeValueAsString(prompt) + ", \"session_id\": 900, \"temperature\": 0, "
                + "\"request_output_len\": " + maxTokens + "}";
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/chat/interactive"))
                .header("Authorization", "Bearer sk-t").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body()).get("text").asText();
    }

    @Test
    void apiClientStreamsTurnsKeepsTheHistoryOnTheServerAndResetEndsIt() throws Exception {
        String first = greedyAnswer("In the beginning", 10);
        CommandLineTest.Result r = apiClient("In the beginning\nAnd then?\nreset\nIn the beginning\nexit\n", server.url(),
                "--api-key", "sk-t", "--session-id", "31", "--temperature", "0", "--max-new-tokens", "10");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("turbo4j api_client — kjv at " + server.url() + ", session 31");
        // the answer came through, twice: once in the first turn and again after reset
        assertThat(r.out().split(Pattern.quote(first), -1)).hasSize(3);
        List<Integer> history = new ArrayList<>();
        Matcher m = Pattern.compile("\\[(\\d+) history tokens, (\\d+) prompt tokens, (\\d+) tokens, [0-9.]+ tok/s, finish: (\\w+)]")
                .matcher(r.out());
        List<int[]> turns = new ArrayList<>();
        while (m.find()) {
            turns.add(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))});
            history.add(Integer.parseInt(m.group(1)));
        }
        assertThat(turns).hasSize(3);
        assertThat(history.get(0)).isZero();
        // the second turn sent only its new message: the first turn is already in the session
        assertThat(history.get(1)).isEqualTo(turns.get(0)[1] + turns.get(0)[2]);
        assertThat(r.out()).contains("(new conversation: the server ended session 31)");
        assertThat(history.get(2)).isZero(); // after reset the session starts over
        // exit ended the session: nothing is left on the server
        EngineStats s = awaitIdle();
        assertThat(s.sessions()).isZero();
        assertThat(s.freeBlocks()).isEqualTo(s.totalBlocks());
    }

    @Test
    void apiClientSaysClearlyWhatWentWrong() {
        CommandLineTest.Result down = apiClient("hi\n", "http://127.0.0.1:1");
        assertThat(down.exit()).isEqualTo(1);
        assertThat(down.err().strip()).isEqualTo(
                "turbo4j: cannot reach the api_server at http://127.0.0.1:1: connection refused (is it running?)");
        CommandLineTest.Result noKey = apiClient("hi\n", server.url());
        assertThat(noKey.exit()).isEqualTo(1);
        assertThat(noKey.err()).contains("HTTP 401", "API key").doesNotContain("Exception");
        CommandLineTest.Result notUrl = apiClient("hi\n", "localhost:23333");
        assertThat(notUrl.err()).contains("must look like http://host:port");
        // an error answer to one turn is shown, and the chat goes on
        CommandLineTest.Result bad = apiClient("hi\nexit\n", server.url(), "--api-key", "sk-t", "--temperature", "5");
        assertThat(bad.exit()).isZero();
        assertThat(bad.out()).contains("error: the api_server answered HTTP 400: temperature must be between 0 and 2");
    }

    @Test
    void resetWhileTheServerFailsIsOneErrorLineAndTheChatGoesOn() {
        // A server that lists its model, then fails every session call (as one going down does).
        io.javalin.Javalin failing = io.javalin.Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.routes.get("/v1/models", ctx -> ctx.contentType("application/json")
                    .result("{\"object\":\"list\",\"data\":[{\"id\":\"m\",\"object\":\"model\"}]}"));
            cfg.routes.post("/v1/chat/interactive", ctx -> ctx.status(503).json(java.util.Map.of("error",
                    java.util.Map.of("message", "shutting down", "type", "server_error"))));
        }).start("127.0.0.1", 0);
        try {
            CommandLineTest.Result r = apiClient("reset\nexit\n", "http://127.0.0.1:" + failing.port());
            assertThat(r.exit()).as(r.err()).isZero(); // reset once ended the whole client, exit 1
            assertThat(r.out()).contains("error: ").contains("shutting down");
        } finally {
            failing.stop();
        }
    }

    @Test
    void serveWebUiOverAUrlServesThePageAndForwardsTheApi() throws Exception {
        try (ServeProcess ui = ServeProcess.start("serve", "webui", server.url(), "--api-key", "sk-t",
                "--server-name", "127.0.0.1", "--server-port", "0")) {
            assertThat(ui.announcement).contains("over the api_server at " + server.url());
            assertPageAndAssets(ui.url);
            // the UI's server adds the key; the browser needs none
            assertThat(JSON.readTree(get(ui.url + "/v1/models").body()).get("data").get(0).get("id").asText())
                    .isEqualTo("kjv");
        }
    }

    @Test
    void serveWebUiOverAModelRunsItInProcess() throws Exception {
        try (ServeProcess ui = ServeProcess.start("serve", "webui", CommandLineTest.MODEL, "--server-name", "127.0.0.1",
                "--server-port", "0", "--session-len", "256", "--threads", "1")) {
            assertThat(ui.announcement).contains("the model runs in this process, its api_server on http://127.0.0.1:");
            assertPageAndAssets(ui.url);
            assertThat(JSON.readTree(get(ui.url + "/v1/models").body()).get("data").get(0).get("id").asText())
                    .isEqualTo("kjv-llama-tiny");
            JsonNode state = JSON.readTree(get(ui.url + "/v1/engine/state").body());
            assertThat(state.get("session_len").asInt()).isEqualTo(256);
            HttpResponse<String> chat = HTTP.send(HttpRequest.newBuilder(URI.create(ui.url + "/v1/chat/completions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"messages\": [{\"role\": \"user\", \"content\": \"Amen\"}], \"max_tokens\": 3}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
            assertThat(JSON.readTree(chat.body()).get("usage").get("completion_tokens").asInt()).isBetween(1, 3);
        }
    }

    @Test
    void serveWebUiAndApiClientHelpAndFlagChecks() {
        CommandLineTest.Result help = CommandLineTest.run("serve", "webui", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("MODEL_OR_URL", "--server-port", "--server-name", "--api-key", "--session-len");
        CommandLineTest.Result clientHelp = CommandLineTest.run("serve", "api_client", "--help");
        assertThat(clientHelp.out()).contains("URL", "--api-key", "--session-id");
        CommandLineTest.Result mixed = CommandLineTest.run("serve", "webui", "http://127.0.0.1:1", "--model-name", "x");
        assertThat(mixed.exit()).isEqualTo(1);
        assertThat(mixed.err()).contains("--model-name and --chat-template apply to a model folder");
        CommandLineTest.Result keyForModel = CommandLineTest.run("serve", "webui", CommandLineTest.MODEL, "--api-key", "k");
        assertThat(keyForModel.exit()).isEqualTo(1);
        assertThat(keyForModel.err()).contains("--api-key is for an api_server URL");
    }

    static void assertPageAndAssets(String url) throws Exception {
        HttpResponse<String> page = get(url + "/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<base href=\"/\">", "id=\"kv-grid\"", "src=\"app.js\"");
        for (String file : List.of("app.js", "api.js", "chat-view.js", "kv-panel.js", "markdown.js", "style.css")) {
            HttpResponse<String> r = get(url + "/" + file);
            assertThat(r.statusCode()).as(file).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).as(file).get().asString()
                    .startsWith(file.endsWith(".css") ? "text/css" : "text/javascript");
        }
    }

    static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static EngineStats awaitIdle() throws InterruptedException {
        EngineStats s = engine.stats();
        for (int i = 0; i < 500 && !(s.sessions() == 0 && s.freeBlocks() == s.totalBlocks()); i++) {
            engine.checkInvariants(); // a round trip through the engine thread refreshes the stats
            s = engine.stats();
            Thread.sleep(10);
        }
        return s;
    }

    /** {@code turbo4j serve ...} in its own JVM, as a user runs it: read its announced URL, stop it with SIGTERM. */
    static final class ServeProcess implements AutoCloseable {
        private static final Pattern ANNOUNCED = Pattern.compile("open (http://\\S+)/ in a browser");
        final Process process;
        final String announcement;
        final String url;

        private ServeProcess(Process process, String announcement, String url) {
            this.process = process;
            this.announcement = announcement;
            this.url = url;
        }

        static ServeProcess start(String... args) throws IOException {
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                    "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), Main.class.getName()));
            command.addAll(List.of(args));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            for (String line; (line = out.readLine()) != null; ) {
                seen.append(line).append('\n');
                Matcher m = ANNOUNCED.matcher(line);
                if (m.find()) {
                    Thread.ofVirtual().start(() -> out.lines().forEach(l -> { })); // keep its pipe drained
                    return new ServeProcess(p, line, m.group(1));
                }
            }
            throw new AssertionError("serve webui did not start:\n" + seen);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy(); // SIGTERM: a graceful shutdown
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
            assertThat(process.exitValue()).as("exit status").isIn(0, 143); // 143: ended by SIGTERM, as asked
        }
    }
}
