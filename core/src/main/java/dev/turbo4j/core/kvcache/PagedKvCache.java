package dev.turbo4j.core.kvcache;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The block pool in one off-heap segment (no heap pressure, no 2 GB limit). Subclasses
 * supply the element format's loops; this class owns the layout
 * [block][layer][K,V][kv head][slot][head_dim].
 */
public abstract sealed class PagedKvCache implements KvCache permits F32KvCache, Bf16KvCache {
    protected final KvCacheSpec spec;
    protected final MemorySegment pool;
    private final Arena arena;
    private final long blockStride;
    private final long layerStride;
    private final long kindStride;
    private final long headStride;

    protected PagedKvCache(KvCacheSpec spec) {
        this.spec = spec;
        this.arena = Arena.ofShared();
        this.pool = arena.allocate(spec.bytesPerBlock() * spec.numBlocks(), 64);
        this.headStride = (long) spec.blockSize() * spec.headDim();
        this.kindStride = headStride * spec.numKvHeads();
        this.layerStride = kindStride * 2;
        this.blockStride = layerStride * spec.numLayers();
    }

    /** A cache of the spec's format. */
    public static PagedKvCache create(KvCacheSpec spec) {
        return switch (spec.format()) {
            case F32 -> new F32KvCache(spec);
            case BF16 -> new Bf16KvCache(spec);
        };
    }

    /** Element index of (block, layer, K=0/V=1, kv head, slot, 0). */
    protected final long index(int block, int layer, int kind, int kvHead, int slot) {
        return block * blockStride + layer * layerStride + kind * kindStride + kvHead * headStride
                + (long) slot * spec.headDim();
    }

    @Override
    public KvCacheSpec spec() {
        return spec;
    }

    @Override
    public void write(int layer, int block, int slot, int kvHead, float[] k, int kOff, float[] v, int vOff) {
        store(index(block, layer, 0, kvHead, slot), k, kOff, spec.headDim());
        store(index(block, layer, 1, kvHead, slot), v, vOff, spec.headDim());
    }

    /** Writes n floats at element index. */
    protected abstract void store(long index, float[] src, int off, int n);

    @Override
    public long byteSize() {
        return pool.byteSize();
    }

    @Override
    public void close() {
        arena.close();
    }
}
