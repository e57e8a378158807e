package dev.turbo4j.engine;

import dev.turbo4j.core.kvcache.KvFormat;

/**
 * Engine settings, named as LMDeploy's TurbomindEngineConfig where the concept is the same.
 *
 * @param sessionLen            longest context of one session in tokens; 0 = the model's
 *                              max_position_embeddings (at most {@value #DEFAULT_SESSION_LEN_CAP})
 * @param maxBatchSize          sequences computed together in one step at most
 * @param cacheMaxEntryCount    KV pool size: a fraction (≤ 1) of the memory left for it, or an
 *                              absolute number of blocks (> 1) — see {@link KvPoolSizing}
 * @param cacheMaxGb            absolute KV pool size in GiB; overrides the fraction when > 0
 * @param cacheBlockSeqLen      tokens per KV block
 * @param enablePrefixCaching   share full prompt blocks between sequences
 * @param maxPrefillTokenNum    prompt tokens computed per step at most (chunked prefill)
 * @param quantPolicy           KV cache quantization: 0 (none), 8 (int8) or 4 (int4)
 * @param tp                    tensor-parallel ranks: 1, or the N a folder was split for by
 *                              {@code turbo4j convert --tp N} (checked against the model when
 *                              the engine starts)
 * @param threads               compute threads; 0 = all cores
 * @param kvFormat              element type of unquantized KV blocks
 */
public record EngineConfig(int sessionLen, int maxBatchSize, double cacheMaxEntryCount, double cacheMaxGb,
                           int cacheBlockSeqLen, boolean enablePrefixCaching, int maxPrefillTokenNum, int quantPolicy,
                           int tp, int threads, KvFormat kvFormat) {

    /** A 128k-context model would otherwise reserve gigabytes of KV cache per session. */
    public static final int DEFAULT_SESSION_LEN_CAP = 8192;

    public EngineConfig {
        check(sessionLen >= 0, "session_len must be >= 0 (0 = the model's), got " + sessionLen);
        check(maxBatchSize >= 1, "max_batch_size must be >= 1, got " + maxBatchSize);
        check(cacheMaxEntryCount > 0, "cache_max_entry_count must be > 0, got " + cacheMaxEntryCount);
        check(cacheMaxGb >= 0, "cache_max_gb must be >= 0, got " + cacheMaxGb);
        check(cacheBlockSeqLen >= 1, "cache_block_seq_len must be >= 1, got " + cacheBlockSeqLen);
        check(maxPrefillTokenNum >= 1, "max_prefill_token_num must be >= 1, got " + maxPrefillTokenNum);
        check(quantPolicy == 0 || quantPolicy == 8 || quantPolicy == 4,
                "quant_policy must be 0 (none), 8 (int8 KV) or 4 (int4 KV), got " + quantPolicy);
        check(tp >= 1, "tp must be >= 1, got " + tp);
        check(threads >= 0, "threads must be >= 0, got " + threads);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The KV block format: {@link #kvFormat()} unless quant_policy asks for int8/int4. */
    public KvFormat effectiveKvFormat() {
        return KvFormat.forQuantPolicy(quantPolicy, kvFormat);
    }

    /** LMDeploy's defaults, sized for a CPU: batch 16, 80 % of free memory, 64-token blocks. */
    public static EngineConfig defaults() {
        return new EngineConfig(0, 16, 0.8, 0, 64, false, 8192, 0, 1, 0, KvFormat.BF16);
    }

    public EngineConfig withSessionLen(int v) {
        return new EngineConfig(v, maxBatchSize, cacheMaxEntryCount, cacheMaxGb, cacheBlockSeqLen, enablePrefixCaching, maxPrefillTokenNum, quantPolicy, tp, threads, kvFormat);
    }

    public EngineConfig withMaxBatchSize(int v) {
        return new EngineConfig(sessionLen, v, cacheMaxEntryCount, cacheMaxGb, cacheBlockSeqLen, enablePrefixCaching, maxPrefillTokenNum, quantPolicy, tp, threads, kvFormat);
    }

    public EngineConfig withCacheMaxEntryCount(double v) {
        return new EngineConfig(sessionLen, maxBatchSize, v, cacheMaxGb, cacheBlockSeqLen, enablePrefixCaching, maxPrefillTokenNum, quantPolicy, tp, threads, kvFormat);
    }

    public EngineConfig withCacheMaxGb(double v) {
        return new EngineConfig(sessionLen, maxBatchSize, cacheMaxEntryCount, v, cacheBlockSeqLen, enablePrefixCaching, maxPrefillTokenNum, quantPolicy, tp, threads, kvFormat);
    }

    public EngineConfig withCacheBlockSeqLen(int v) {
        return new EngineConfig(sessionLen, maxBatchSize, cacheMaxEntryCount, cacheMaxGb, v, enablePrefixCaching, maxPrefillTokenNum, quantPolicy, tp, threads, kvFormat);
    }

    public EngineConfig withEnablePrefixCaching(boolean v) {
        return new EngineConfig(sessionLen, maxBatchSize, cacheMaxEntryCount, cacheMaxGb, cacheBlockSeqLen, v, maxPrefillTokenNum, quantPolicy, tp, threads, kvFormat);
    }

    public EngineConfig withMaxPrefillTokenNum(int v) {
        return new EngineConfig(sessionLen, maxBatchSize, cacheMaxEntryCount, cacheMaxGb, cacheBlockSeqLen, enablePrefixCaching, v, quantPolicy, tp, threads, kvFormat);
    }

    public EngineConfig withQuantPolicy(int v) {
        return new EngineConfig(sessionLen, maxBatchSize, cacheMaxEntryCount, cacheMaxGb, cacheBlockSeqLen, enablePrefixCaching, maxPrefillTokenNum, v, tp, threads, kvFormat);
    }

    public EngineConfig withTp(int v) {
        return new EngineConfig(sessionLen, maxBatchSize, cacheMaxEntryCount, cacheMaxGb, cacheBlockSeqLen, enablePrefixCaching, maxPrefillTokenNum, quantPolicy, v, threads, kvFormat);
    }

    public EngineConfig withThreads(int v) {
        return new EngineConfig(sessionLen, maxBatchSize, cacheMaxEntryCount, cacheMaxGb, cacheBlockSeqLen, enablePrefixCaching, maxPrefillTokenNum, quantPolicy, tp, v, kvFormat);
    }

    public EngineConfig withKvFormat(KvFormat v) {
        return new EngineConfig(sessionLen, maxBatchSize, cacheMaxEntryCount, cacheMaxGb, cacheBlockSeqLen, enablePrefixCaching, maxPrefillTokenNum, quantPolicy, tp, threads, v);
    }
}
