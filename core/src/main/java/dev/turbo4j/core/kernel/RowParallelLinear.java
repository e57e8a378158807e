package dev.turbo4j.core.kernel;

import java.util.List;

/**
 * A linear layer stored as tensor-parallel shards split by input columns (row-parallel, as
 * o_proj and down_proj): shard i holds {@code W[:, i·c .. (i+1)·c)}, c = inFeatures / N. Each
 * shard multiplies its slice of x and the partial outputs are summed, so y = Σᵢ Wᵢ xᵢ = W x
 * up to float rounding (the sum is taken in a different order than one unsplit row's).
 *
 * <p>The shards are used as stored (memory-mapped, in any weight format); only the activations
 * are copied: each call slices x per shard into a per-thread scratch array, since the kernels
 * read a dense [tokens × inFeatures] input.
 */
public final class RowParallelLinear extends CompositeLinear {
    private final int shardCols;

    /** Shards in rank order, each [outFeatures × c] over consecutive column blocks of the same c. */
    public RowParallelLinear(List<? extends LinearWeight> shards) {
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("a row-parallel layer needs at least one shard");
        }
        LinearWeight first = shards.getFirst();
        for (LinearWeight s : shards) {
            if (s.inFeatures() != first.inFeatures() || s.outFeatures() != first.outFeatures()) {
                throw new IllegalArgumentException("row-parallel shards must share their shape: " + first.outFeatures()
                        + "x" + first.inFeatures() + " vs " + s.outFeatures() + "x" + s.inFeatures());
            }
        }
        super(shards, first.inFeatures() * shards.size(), first.outFeatures());
        this.shardCols = first.inFeatures();
    }

    /** The shards, in rank order. */
    public List<LinearWeight> shards() {
        return List.of(parts);
    }

    @Override
    public void multiply(float[] x, int tokens, float[] y, int rowStart, int rowEnd) {
        KernelScratch scratch = KernelScratch.current();
        int in = inFeatures();
        int out = outFeatures();
        float[] slice = scratch.shardInput(tokens * shardCols);
        float[] partial = scratch.shardSums(tokens * out);
        for (int i = 0; i < parts.length; i++) {
            for (int t = 0; t < tokens; t++) {
                System.arraycopy(x, t * in + i * shardCols, slice, t * shardCols, shardCols);
            }
            // The first shard writes y; the others write a partial sum that is then added in.
            parts[i].multiply(slice, tokens, i == 0 ? y : partial, rowStart, rowEnd);
            if (i > 0) {
                for (int t = 0; t < tokens; t++) {
                    VectorOps.add(partial, t * out + rowStart, y, t * out + rowStart, rowEnd - rowStart);
                }
            }
        }
    }

    @Override
    public void readRow(int r, float[] dst, int offset) {
        for (int i = 0; i < parts.length; i++) {
            parts[i].readRow(r, dst, offset + i * shardCols);
        }
    }
}
