package dev.turbo4j.core.kernel;

import dev.turbo4j.core.tensor.DType;

/**
 * Shared layout of the 16-bit weight kernels (BF16, F16) on the GEMV path. Their loops load
 * one int vector per step, holding pairs of weights: the low halves are the even columns,
 * the high halves the odd ones, and each widens to a float vector with lane-wise bit
 * operations (no shape-changing conversion). The activations are therefore reordered per
 * token to match, the even columns of [0, n) first, then the odd ones; a dot product does
 * not care about the order. The GEMM path widens its row panels the same way, block by
 * block, and packs its token panels in the matching order.
 */
abstract sealed class HalfDenseKernel extends SimdDenseKernel permits Bf16DenseKernel, F16DenseKernel {
    HalfDenseKernel(DType dtype) {
        super(dtype);
    }

    @Override
    final int vectorColumns(int cols) {
        return 2 * SimdSpecies.INT.loopBound(cols / 2);
    }

    @Override
    final float[] kernelActivations(float[] x, int tokens, int cols, int n) {
        float[] split = KernelScratch.current().activations(ArrayAlignment.FLOAT_START + tokens * cols);
        int half = n / 2;
        for (int t = 0; t < tokens; t++) {
            int base = t * cols;
            int dst = ArrayAlignment.FLOAT_START + base;
            for (int k = 0; k < half; k++) {
                split[dst + k] = x[base + 2 * k];
                split[dst + half + k] = x[base + 2 * k + 1];
            }
        }
        return split;
    }

    /** Token 0 at the first cache-line-aligned element, so that no activation load straddles two lines. */
    @Override
    final int activationOffset() {
        return ArrayAlignment.FLOAT_START;
    }

    @Override
    final boolean pairOrder() {
        return true;
    }
}
