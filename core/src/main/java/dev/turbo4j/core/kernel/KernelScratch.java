package dev.turbo4j.core.kernel;

/**
 * Per-thread working arrays of the kernels (reordered activations, packed panels), grown on
 * demand and reused, so the hot path allocates nothing. Each worker thread of the pool owns
 * its own; an array is valid until the same thread asks for the same one again.
 */
final class KernelScratch {
    private static final ThreadLocal<KernelScratch> CURRENT = ThreadLocal.withInitial(KernelScratch::new);

    private float[] activations = new float[0];
    private float[] tokenPanels = new float[0];
    private float[] rowPanel = new float[0];
    private float[] tileSums = new float[0];
    private float[] stackedPart = new float[0];
    private float[] shardInput = new float[0];
    private float[] shardSums = new float[0];
    private int[] rowOffsets = new int[0];
    private final float[] accumulatorLanes = new float[MAX_ACCUMULATORS * SimdSpecies.FLOAT_LANES];

    /** Accumulators a GEMV tile stores at once for {@link VectorOps#sumLanes(float[], int)}. */
    static final int MAX_ACCUMULATORS = 12;

    private KernelScratch() {
    }

    /** This thread's arrays. */
    static KernelScratch current() {
        return CURRENT.get();
    }

    /**
     * Room for a GEMV tile's {@link #MAX_ACCUMULATORS} accumulators, vector i at i *
     * {@link SimdSpecies#FLOAT_LANES}; contents undefined.
     */
    float[] accumulatorLanes() {
        return accumulatorLanes;
    }

    /** Activations in a kernel's own column order; at least size floats, contents undefined. */
    float[] activations(int size) {
        return activations = atLeast(activations, size);
    }

    /** Packed token panels; at least size floats, contents undefined. */
    float[] tokenPanels(int size) {
        return tokenPanels = atLeast(tokenPanels, size);
    }

    /** One packed row panel; at least size floats, contents undefined. */
    float[] rowPanel(int size) {
        return rowPanel = atLeast(rowPanel, size);
    }

    /** The sums of one register tile; at least size floats, contents undefined. */
    float[] tileSums(int size) {
        return tileSums = atLeast(tileSums, size);
    }

    /** One part's output in a {@link StackedLinear}, before it is scattered; at least size floats. */
    float[] stackedPart(int size) {
        return stackedPart = atLeast(stackedPart, size);
    }

    /** A shard's slice of the input in a {@link RowParallelLinear}; at least size floats. */
    float[] shardInput(int size) {
        return shardInput = atLeast(shardInput, size);
    }

    /** A shard's partial output in a {@link RowParallelLinear}, before it is summed; at least size floats. */
    float[] shardSums(int size) {
        return shardSums = atLeast(shardSums, size);
    }

    /** Offsets of rows of an activation array (a token panel's gather map); at least size ints. */
    int[] rowOffsets(int size) {
        if (rowOffsets.length < size) {
            rowOffsets = new int[size];
        }
        return rowOffsets;
    }

    /** The array itself while it holds size floats, else a new one that does (contents undefined). */
    private static float[] atLeast(float[] array, int size) {
        return array.length < size ? new float[size] : array;
    }
}
