package dev.turbo4j.core.kvcache;

/**
 * The shape of a paged KV cache: {@code numBlocks} blocks of {@code blockSize} tokens, each
 * holding K and V of every layer and kv head.
 */
public record KvCacheSpec(int numLayers, int numKvHeads, int headDim, int blockSize, int numBlocks, KvFormat format) {

    public KvCacheSpec {
        if (format == KvFormat.INT4 && headDim % 2 != 0) {
            throw new IllegalArgumentException("int4 KV needs an even head_dim, got " + headDim);
        }
        if (numLayers < 1 || numKvHeads < 1 || headDim < 1 || blockSize < 1 || numBlocks < 1) {
            throw new IllegalArgumentException("KV cache dimensions must be positive: " + numLayers + " layers, "
                    + numKvHeads + " kv heads, head_dim " + headDim + ", block " + blockSize + ", " + numBlocks + " blocks");
        }
    }

    /** Bytes of one (layer, K or V, kv head) section of a block: the rows, then their parameters. */
    public long sectionBytes() {
        return (long) blockSize * (format.rowBytes(headDim) + format.paramBytes());
    }

    /** Bytes of one block: [layer][K,V][kv head] sections. */
    public long bytesPerBlock() {
        return (long) numLayers * 2 * numKvHeads * sectionBytes();
    }

    /** Bytes of one token's K and V across all layers (for sizing the pool). */
    public long bytesPerToken() {
        return bytesPerBlock() / blockSize;
    }

    /** Tokens the whole pool holds. */
    public long capacityTokens() {
        return (long) numBlocks * blockSize;
    }

    /** The same shape with another block count. */
    public KvCacheSpec withNumBlocks(int blocks) {
        return new KvCacheSpec(numLayers, numKvHeads, headDim, blockSize, blocks, format);
    }
}
