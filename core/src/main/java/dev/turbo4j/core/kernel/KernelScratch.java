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

    private KernelScratch() {
    }

    /** This thread's arrays. */
    static KernelScratch current() {
        return CURRENT.get();
    }

    /** Activations in a kernel's own column order; at least size floats, contents undefined. */
    float[] activations(int size) {
        if (activations.length < size) {
            activations = new float[size];
        }
        return activations;
    }

    /** Packed token panels; at least size floats, contents undefined. */
    float[] tokenPanels(int size) {
        if (tokenPanels.length < size) {
            tokenPanels = new float[size];
        }
        return tokenPanels;
    }

    /** One packed row panel; at least size floats, contents undefined. */
    float[] rowPanel(int size) {
        if (rowPanel.length < size) {
            rowPanel = new float[size];
        }
        return rowPanel;
    }

    /** The sums of one register tile; at least size floats, contents undefined. */
    float[] tileSums(int size) {
        if (tileSums.length < size) {
            tileSums = new float[size];
        }
        return tileSums;
    }
}
