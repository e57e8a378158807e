package dev.turbo4j.cli;

import dev.turbo4j.core.kvcache.KvFormat;
import dev.turbo4j.core.parallel.WorkerPool;
import picocli.CommandLine.Option;

/** Runtime flags shared by the commands that run a model (names as LMDeploy's). */
final class EngineOptions {
    @Option(names = "--session-len", description = "Longest context of a session in tokens (default: the model's max_position_embeddings, at most 8192).")
    Integer sessionLen;

    @Option(names = "--max-batch-size", description = "Sequences computed together in one step at most (default: 16).")
    Integer maxBatchSize;

    @Option(names = "--cache-max-entry-count", description = "KV pool size: a fraction (<= 1) of the free memory, or a number of blocks (> 1) (default: 0.8).")
    Double cacheMaxEntryCount;

    @Option(names = "--cache-max-gb", paramLabel = "GIB",
            description = "KV pool size in GiB, instead of the --cache-max-entry-count fraction of the free memory.")
    Double cacheMaxGb;

    @Option(names = "--cache-block-seq-len", description = "Tokens per KV block (default: 64).")
    Integer cacheBlockSeqLen;

    @Option(names = "--enable-prefix-caching", description = "Share full prompt blocks between requests.")
    boolean enablePrefixCaching;

    @Option(names = "--quant-policy", defaultValue = "0", description = "KV cache quantization: 0 (none), 8 (int8) or 4 (int4) (default: ${DEFAULT-VALUE}).")
    int quantPolicy;

    @Option(names = "--tp", defaultValue = "1",
            description = "Tensor-parallel ranks: 1, or the N the folder was split for by 'turbo4j convert --tp N' (default: ${DEFAULT-VALUE}).")
    int tp;

    @Option(names = "--max-prefill-token-num", defaultValue = "8192", description = "Prompt tokens per forward step at most (chunked prefill; default: ${DEFAULT-VALUE}).")
    int maxPrefillTokenNum;

    @Option(names = "--threads", description = "Compute threads (default: all cores).")
    Integer threads;

    @Option(names = "--model-format", paramLabel = "FORMAT",
            description = "Weight format: hf, awq or gptq (default: detected from config.json's quantization_config).")
    String modelFormat;

    @Option(names = "--kv-dtype", defaultValue = "bf16", description = "KV cache element type: f32 or bf16 (default: ${DEFAULT-VALUE}).")
    String kvDtype;

    /** The engine settings these flags describe. */
    dev.turbo4j.engine.EngineConfig config() {
        try {
            dev.turbo4j.engine.EngineConfig c = dev.turbo4j.engine.EngineConfig.defaults()
                    .withSessionLen(sessionLen == null ? 0 : sessionLen).withMaxPrefillTokenNum(maxPrefillTokenNum)
                    .withThreads(threads()).withKvFormat(kvFormat()).withEnablePrefixCaching(enablePrefixCaching)
                    .withQuantPolicy(quantPolicy).withTp(tp);
            if (maxBatchSize != null) {
                c = c.withMaxBatchSize(maxBatchSize);
            }
            if (cacheMaxEntryCount != null) {
                c = c.withCacheMaxEntryCount(cacheMaxEntryCount);
            }
            if (cacheMaxGb != null) {
                c = c.withCacheMaxGb(cacheMaxGb);
            }
            if (cacheBlockSeqLen != null) {
                c = c.withCacheBlockSeqLen(cacheBlockSeqLen);
            }
            return c;
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage().replace('_', '-'));
        }
    }

    /** How to load the model folder: --model-format, else detection; --tp, checked against the folder. */
    dev.turbo4j.core.model.LoadOptions loadOptions() {
        dev.turbo4j.core.model.LoadOptions options = dev.turbo4j.core.model.LoadOptions.DEFAULT.withTp(tp);
        if (modelFormat == null) {
            return options;
        }
        dev.turbo4j.core.quant.ModelFormat f = dev.turbo4j.core.quant.ModelFormat.fromId(modelFormat);
        if (f == null) {
            throw new UserException("--model-format must be hf, awq or gptq, got " + modelFormat);
        }
        return options.withModelFormat(f);
    }

    int threads() {
        int t = threads != null ? threads : WorkerPool.defaultThreads();
        if (t < 1) {
            throw new UserException("--threads must be >= 1, got " + t);
        }
        return t;
    }

    /** The KV element format: --kv-dtype, unless --quant-policy asks for int8/int4. */
    KvFormat effectiveKvFormat() {
        try {
            return KvFormat.forQuantPolicy(quantPolicy, kvFormat());
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage().replace("quant_policy", "--quant-policy"));
        }
    }

    KvFormat kvFormat() {
        return switch (kvDtype.toLowerCase(java.util.Locale.ROOT)) {
            case "f32", "fp32", "float32" -> KvFormat.F32;
            case "bf16", "bfloat16" -> KvFormat.BF16;
            default -> throw new UserException("--kv-dtype must be f32 or bf16, got " + kvDtype);
        };
    }
}
