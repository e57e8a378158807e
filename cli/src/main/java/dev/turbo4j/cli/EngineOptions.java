package dev.turbo4j.cli;

import dev.turbo4j.core.kvcache.KvFormat;
import dev.turbo4j.core.parallel.WorkerPool;
import picocli.CommandLine.Option;

/** Runtime flags shared by the commands that run a model (names as LMDeploy's). */
final class EngineOptions {
    /** Default cap, so a 128k-context model does not reserve gigabytes of KV cache for a chat. */
    static final int DEFAULT_SESSION_LEN_CAP = 8192;

    @Option(names = "--session-len", description = "Longest context of a session in tokens (default: the model's max_position_embeddings, at most 8192).")
    Integer sessionLen;

    @Option(names = "--max-prefill-token-num", defaultValue = "8192", description = "Prompt tokens per forward step at most (chunked prefill; default: ${DEFAULT-VALUE}).")
    int maxPrefillTokenNum;

    @Option(names = "--threads", description = "Compute threads (default: all cores).")
    Integer threads;

    @Option(names = "--kv-dtype", defaultValue = "bf16", description = "KV cache element type: f32 or bf16 (default: ${DEFAULT-VALUE}).")
    String kvDtype;

    int threads() {
        int t = threads != null ? threads : WorkerPool.defaultThreads();
        if (t < 1) {
            throw new UserException("--threads must be >= 1, got " + t);
        }
        return t;
    }

    KvFormat kvFormat() {
        return switch (kvDtype.toLowerCase(java.util.Locale.ROOT)) {
            case "f32", "fp32", "float32" -> KvFormat.F32;
            case "bf16", "bfloat16" -> KvFormat.BF16;
            default -> throw new UserException("--kv-dtype must be f32 or bf16, got " + kvDtype);
        };
    }

    int sessionLen(int modelMax) {
        int len = sessionLen != null ? sessionLen : Math.min(modelMax, DEFAULT_SESSION_LEN_CAP);
        if (len < 2) {
            throw new UserException("--session-len must be >= 2, got " + len);
        }
        if (maxPrefillTokenNum < 1) {
            throw new UserException("--max-prefill-token-num must be >= 1, got " + maxPrefillTokenNum);
        }
        return len;
    }
}
