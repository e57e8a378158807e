package dev.turbo4j.server;

import java.time.Duration;
import java.util.List;

/**
 * How the api_server listens and whom it serves (names as LMDeploy's api_server flags).
 *
 * @param serverName            host/interface to bind, e.g. 0.0.0.0
 * @param serverPort            port; 0 picks a free one
 * @param apiKeys               accepted bearer keys for /v1; empty = no auth
 * @param allowOrigins          CORS origins; empty = no CORS headers, "*" = any
 * @param maxConcurrentRequests generation requests answered at once; more get a 429
 * @param maxBodyBytes          request body limit; larger bodies get a 413
 * @param shutdownGrace         on shutdown, how long running requests may finish before being aborted
 */
public record ServerConfig(String serverName, int serverPort, List<String> apiKeys, List<String> allowOrigins,
                           int maxConcurrentRequests, long maxBodyBytes, Duration shutdownGrace) {

    public ServerConfig {
        if (serverPort < 0 || serverPort > 65535) {
            throw new IllegalArgumentException("server_port must be in [0, 65535], got " + serverPort);
        }
        if (maxConcurrentRequests < 1) {
            throw new IllegalArgumentException("max_concurrent_requests must be >= 1, got " + maxConcurrentRequests);
        }
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("the body limit must be at least 1024 bytes, got " + maxBodyBytes);
        }
        apiKeys = List.copyOf(apiKeys);
        allowOrigins = List.copyOf(allowOrigins);
    }

    /** LMDeploy's defaults: 0.0.0.0:23333, no keys, no CORS; 256 concurrent requests, 4 MiB bodies, 10 s grace. */
    public static ServerConfig defaults() {
        return new ServerConfig("0.0.0.0", 23333, List.of(), List.of(), 256, 4L << 20, Duration.ofSeconds(10));
    }

    public ServerConfig withServerName(String v) {
        return new ServerConfig(v, serverPort, apiKeys, allowOrigins, maxConcurrentRequests, maxBodyBytes, shutdownGrace);
    }

    public ServerConfig withServerPort(int v) {
        return new ServerConfig(serverName, v, apiKeys, allowOrigins, maxConcurrentRequests, maxBodyBytes, shutdownGrace);
    }

    public ServerConfig withApiKeys(List<String> v) {
        return new ServerConfig(serverName, serverPort, v, allowOrigins, maxConcurrentRequests, maxBodyBytes, shutdownGrace);
    }

    public ServerConfig withAllowOrigins(List<String> v) {
        return new ServerConfig(serverName, serverPort, apiKeys, v, maxConcurrentRequests, maxBodyBytes, shutdownGrace);
    }

    public ServerConfig withMaxConcurrentRequests(int v) {
        return new ServerConfig(serverName, serverPort, apiKeys, allowOrigins, v, maxBodyBytes, shutdownGrace);
    }

    public ServerConfig withMaxBodyBytes(long v) {
        return new ServerConfig(serverName, serverPort, apiKeys, allowOrigins, maxConcurrentRequests, v, shutdownGrace);
    }

    public ServerConfig withShutdownGrace(Duration v) {
        return new ServerConfig(serverName, serverPort, apiKeys, allowOrigins, maxConcurrentRequests, maxBodyBytes, v);
    }
}
