package dev.turbo4j.core.kvcache;

import dev.turbo4j.core.kernel.SimdSpecies;
import dev.turbo4j.core.kernel.VectorOps;
import dev.turbo4j.core.memory.LargePages;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The block pool in one off-heap segment (no heap pressure, no 2 GB limit; on huge pages where
 * Linux offers them, see {@link LargePages}). This class owns
 * the layout — block, then [layer][K,V][kv head] sections, each holding the quantization parameters of the
 * block's slots (if the format has any) followed by their rows — and subclasses the element
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
    private final long rowsOffset;
    private final Arena arena;
    private final long blockStride;
    private final long sectionBytes;

    protected PagedKvCache(KvCacheSpec spec) {
        this.spec = spec;
        this.headDim = spec.headDim();
        this.rowBytes = spec.format().rowBytes(headDim);
        this.rowsOffset = (long) spec.blockSize() * spec.format().paramBytes();
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

    /**
     * Byte offset of a slot's row within a section: the rows follow the section's quantization
     * parameters (if any), so a block's parameters and then its rows are one forward stream.
     */
    protected final long row(long section, int slot) {
        return section + rowsOffset + (long) slot * rowBytes;
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

    @Override
    public final void keyScores(int layer, int block, int kvHead, int count, int heads, float[] q, int qOff,
                                float scale, float[] scores, int stride) {
        long section = section(block, layer, KEY, kvHead);
        int g = 0;
        for (; g + 4 <= heads; g += 4) {
            keyScores4(section, count, q, qOff + g * headDim, scale, scores, g * stride, stride);
        }
        for (; g < heads; g++) {
            keyScores1(section, count, q, qOff + g * headDim, scale, scores, g * stride);
        }
    }

    @Override
    public final void accumulateValues(int layer, int block, int kvHead, int count, int heads, float[] weights,
                                       int stride, float[] acc, int accOff) {
        long section = section(block, layer, VALUE, kvHead);
        int g = 0;
        for (; g + 4 <= heads; g += 4) {
            accumulateValues4(section, count, weights, g * stride, stride, acc, accOff + g * headDim);
        }
        for (; g < heads; g++) {
            accumulateValues1(section, count, weights, g * stride, acc, accOff + g * headDim);
        }
    }

    /** scores[scoresOff + i] = scale * (q · K[slot i]) for one query head. */
    protected abstract void keyScores1(long section, int count, float[] q, int qOff, float scale, float[] scores,
                                       int scoresOff);

    /**
     * Scores of four query heads (q rows headDim apart, score rows stride apart). By default
     * one head after another; a format overrides it to widen each key once for all four.
     */
    protected void keyScores4(long section, int count, float[] q, int qOff, float scale, float[] scores,
                              int scoresOff, int stride) {
        for (int g = 0; g < 4; g++) {
            keyScores1(section, count, q, qOff + g * headDim, scale, scores, scoresOff + g * stride);
        }
    }

    /** acc[accOff + d] += sum_i weights[weightsOff + i] * V[slot i][d] for one query head. */
    protected abstract void accumulateValues1(long section, int count, float[] weights, int weightsOff, float[] acc,
                                              int accOff);

    /**
     * Value sums of four query heads (weight rows stride apart, accumulators headDim apart).
     * By default one head after another; a format overrides it to widen each value row once.
     */
    protected void accumulateValues4(long section, int count, float[] weights, int weightsOff, int stride,
                                     float[] acc, int accOff) {
        for (int g = 0; g < 4; g++) {
            accumulateValues1(section, count, weights, weightsOff + g * stride, acc, accOff + g * headDim);
        }
    }

    /** Encodes headDim floats into a slot of a section. */
    protected abstract void store(long section, int slot, float[] src, int off);

    /** Decodes a slot's row of (block, layer, kind, kvHead) into dst: the scalar reference. */
    public abstract void readRow(int block, int layer, int kind, int kvHead, int slot, float[] dst, int off);

    /** Reduces a vector accumulator and adds the scalar tail of a dot product. */
    protected static float sum(FloatVector acc) {
        return VectorOps.sumLanes(acc);
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
