package dev.turbo4j.core.kernel;

import dev.turbo4j.core.memory.LargePages;
import dev.turbo4j.core.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A BF16 linear weight repacked at load into row panels, the layout every path of its kernel
 * reads without a packing step: panel p holds rows [p P, p P + P), P = {@link #panelRows()}
 * (the F32 lanes of a vector); for each pair of columns (2 j, 2 j + 1) it stores one 32-bit
 * word per row, W[r, 2 j] in the low half and W[r, 2 j + 1] in the high half. So one int-vector
 * load is a pair of columns for P rows, widened with one shift (even column) and one mask
 * (odd column), and multiplied with broadcast activations: outputs sit in the lanes, which
 * needs no horizontal sums, and any number of tokens reuses each loaded vector.
 *
 * <p>Rows past {@code rows} in the last panel are zero. Columns must come in pairs (even
 * {@code cols}); a BF16 weight with an odd number of columns stays a {@link DenseWeight}.
 *
 * <p>Every output is {@code acc = fma(W[r, k], x[k], acc)} for k = 0, 1, … in order, on every
 * path and for any number of tokens: results do not depend on the batch.
 */
public record Bf16PanelWeight(MemorySegment panels, int rows, int cols, Bf16PanelKernel kernel)
        implements LinearWeight {
    private static final ValueLayout.OfInt WORD = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public Bf16PanelWeight {
        if (rows <= 0 || cols <= 0 || cols % 2 != 0) {
            throw new IllegalArgumentException("BF16 panels need rows > 0 and an even number of columns, got "
                    + rows + "x" + cols);
        }
        if (panels.byteSize() != (long) panelCount(rows) * panelBytes(cols)) {
            throw new IllegalArgumentException("panel data holds " + panels.byteSize() + " bytes, expected "
                    + (long) panelCount(rows) * panelBytes(cols) + " for " + rows + "x" + cols);
        }
    }

    /** Rows per panel: the F32 lanes of {@link SimdSpecies}. */
    public static int panelRows() {
        return SimdSpecies.FLOAT_LANES;
    }

    /** Whether a dense weight can be repacked: BF16 with whole column pairs. */
    public static boolean supports(DenseWeight w) {
        return w.dtype() == DType.BF16 && w.cols() % 2 == 0;
    }

    /**
     * {@code dense} (BF16, even cols) repacked into panels in {@code arena}, on huge pages where
     * the platform has them (see {@link LargePages}).
     */
    public static Bf16PanelWeight repack(DenseWeight dense, Arena arena) {
        if (!supports(dense)) {
            throw new IllegalArgumentException("only BF16 weights with an even number of columns repack into panels, got "
                    + dense.dtype() + " " + dense.rows() + "x" + dense.cols());
        }
        int rows = dense.rows();
        int cols = dense.cols();
        int p = panelRows();
        MemorySegment src = dense.data();
        MemorySegment panels = LargePages.allocate(arena, (long) panelCount(rows) * panelBytes(cols));
        long rowBytes = (long) cols * Short.BYTES;
        for (int r = 0; r < rows; r++) {
            long dst = (long) (r / p) * panelBytes(cols) + (long) (r % p) * Integer.BYTES;
            long from = r * rowBytes;
            for (int j = 0; j < cols / 2; j++) {
                panels.set(WORD, dst + (long) j * p * Integer.BYTES, src.get(WORD, from + (long) j * Integer.BYTES));
            }
        }
        return new Bf16PanelWeight(panels, rows, cols, Bf16PanelKernels.simd());
    }

    /** The same weight on another kernel (the scalar reference in tests). */
    public Bf16PanelWeight withKernel(Bf16PanelKernel other) {
        return new Bf16PanelWeight(panels, rows, cols, other);
    }

    /** Panels holding {@code rows} rows. */
    static int panelCount(int rows) {
        return (rows + panelRows() - 1) / panelRows();
    }

    /** Bytes of one panel of a weight with {@code cols} columns. */
    static long panelBytes(int cols) {
        return (long) cols / 2 * panelRows() * Integer.BYTES;
    }

    /** Element (r, c) widened to float. */
    public float get(int r, int c) {
        long at = (long) (r / panelRows()) * panelBytes(cols) + ((long) (c / 2) * panelRows() + r % panelRows())
                * Integer.BYTES + (c % 2) * Short.BYTES;
        return Float.intBitsToFloat((panels.get(SHORT, at) & 0xFFFF) << 16);
    }

    @Override
    public int inFeatures() {
        return cols;
    }

    @Override
    public int outFeatures() {
        return rows;
    }

    @Override
    public long byteSize() {
        return panels.byteSize();
    }

    @Override
    public void multiply(float[] x, int tokens, float[] y, int rowStart, int rowEnd) {
        kernel.multiply(this, x, tokens, y, rowStart, rowEnd);
    }

    @Override
    public void readRow(int r, float[] dst, int offset) {
        for (int c = 0; c < cols; c++) {
            dst[offset + c] = get(r, c);
        }
    }
}
