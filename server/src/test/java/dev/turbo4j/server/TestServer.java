package dev.turbo4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turbo4j.core.chat.ChatTemplates;
import dev.turbo4j.engine.Engine;
import dev.turbo4j.engine.EngineConfig;
import dev.turbo4j.engine.EngineStats;
import dev.turbo4j.engine.LocalModel;
import dev.turbo4j.server.http.Json;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/** The demo model behind a real api_server on an ephemeral port, and a raw HTTP client for it. */
final class TestServer implements AutoCloseable {
    static final Path KJV = Path.of("../models/kjv-llama-tiny");
    static final String MODEL = "kjv-llama-tiny";

    final LocalModel model;
    final Engine engine;
    final ApiServer server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private TestServer(ServerConfig config, EngineConfig engineConfig) {
        model = LocalModel.open(KJV, 2);
        engine = Engine.start(model, engineConfig);
        server = ApiServer.start(new ServedModel(engine, MODEL, ChatTemplates.resolve(KJV, null)), config);
    }

    static TestServer start() {
        return start(config());
    }

    static TestServer start(ServerConfig config) {
        return new TestServer(config, EngineConfig.defaults().withSessionLen(1024).withMaxBatchSize(8));
    }

    /** Loopback, ephemeral port, the other defaults. */
    static ServerConfig config() {
        return ServerConfig.defaults().withServerName("127.0.0.1").withServerPort(0);
    }

    String url() {
        return server.url();
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(request(path, body).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpRequest.Builder request(String path, String body) {
        return HttpRequest.newBuilder(URI.create(url() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    static JsonNode json(String body) throws IOException {
        return Json.MAPPER.readTree(body);
    }

    /** Waits until the engine has nothing running or queued and every block is free again (or fails). */
    EngineStats awaitAllBlocksFree() throws InterruptedException {
        EngineStats s = engine.stats();
        for (int i = 0; i < 500; i++) {
            engine.checkInvariants(); // a round trip through the engine thread refreshes the stats
            s = engine.stats();
            if (s.running() == 0 && s.waiting() == 0 && s.freeBlocks() == s.totalBlocks()) {
                return s;
            }
            Thread.sleep(10);
        }
        return s;
    }

    @Override
    public void close() {
        server.shutdown(Duration.ofSeconds(1));
        engine.close();
        model.close();
    }
}
