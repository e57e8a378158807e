package dev.turbo4j.core.kvcache;

import dev.turbo4j.core.kernel.SimdSpecies;
import dev.turbo4j.core.memory.LargePages;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The block pool in one off-heap segment (no heap pressure, no 2 GB limit; on huge pages where
 * Linux offers them, see {@link LargePages}). This class owns
 * the layout — block, then [layer][K,V][kv head] sections, each holding the rows of the
 * block's slots followed by their quantization parameters — and subclasses the element
 * format's loops. Each format also has a scalar {@link #readRow} that tests use as the
 * reference for its vector loops.
 */
public abstract sealed class PagedKvCache implements KvCache permits F32KvCache, Bf16KvCache, QuantizedKvCache {
    protected static final VectorSpecies<Float> F = SimdSpecies.FLOAT;
    protected static final int KEY = 0;
    protected static final int VALUE = 1;

    protected final KvCacheSpec spec;
    protected final MemorySegment pool;
    protected final int headDim;
    protected final int rowBytes;
    private final Arena arena;
    private final long blockStride;
    private final long sectionBytes;

    protected PagedKvCache(KvCacheSpec spec) {
        this.spec = spec;
        this.headDim = spec.headDim();
        this.rowBytes = spec.format().rowBytes(headDim);
        this.sectionBytes = spec.sectionBytes();
        this.blockStride = spec.bytesPerBlock();
        this.arena = Arena.ofShared();
        this.pool = LargePages.allocate(arena, blockStride * spec.numBlocks());
    }

    /** A cache of the spec's format. */
    public static PagedKvCache create(KvCacheSpec spec) {
        return switch (spec.format()) {
            case F32 -> new F32KvCache(spec);
            case BF16 -> new Bf16KvCache(spec);
            case INT8 -> new Int8KvCache(spec);
            case INT4 -> new Int4KvCache(spec);
        };
    }

    /** Byte offset of the section of (block, layer, K=0/V=1, kv head). */
    protected final long section(int block, int layer, int kind, int kvHead) {
        return block * blockStride + ((long) (layer * 2 + kind) * spec.numKvHeads() + kvHead) * sectionBytes;
    }

    /** Byte offset of a slot's row within a section. */
    protected final long row(long section, int slot) {
        return section + (long) slot * rowBytes;
    }

    /** Byte offset of a slot's quantization parameters within a section. */
    protected final long params(long section, int slot) {
        return section + (long) spec.blockSize() * rowBytes + (long) slot * spec.format().paramBytes();
    }

    @Override
    public KvCacheSpec spec() {
        return spec;
    }

    @Override
    public void write(int layer, int block, int slot, int kvHead, float[] k, int kOff, float[] v, int vOff) {
        store(section(block, layer, KEY, kvHead), slot, k, kOff);
        store(section(block, layer, VALUE, kvHead), slot, v, vOff);
    }

    /** Encodes headDim floats into a slot of a section. */
    protected abstract void store(long section, int slot, float[] src, int off);

    /** Decodes a slot's row of (block, layer, kind, kvHead) into dst: the scalar reference. */
    public abstract void readRow(int block, int layer, int kind, int kvHead, int slot, float[] dst, int off);

    /** Reduces a vector accumulator and adds the scalar tail of a dot product. */
    protected static float sum(FloatVector acc) {
        return acc.reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    @Override
    public long byteSize() {
        return pool.byteSize();
    }

    @Override
    public void close() {
        arena.close();
    }
}
