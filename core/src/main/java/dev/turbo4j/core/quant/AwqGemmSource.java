package dev.turbo4j.core.quant;

import dev.turbo4j.core.model.ModelLoadException;
import dev.turbo4j.core.safetensors.TensorInfo;
import dev.turbo4j.core.safetensors.TensorStore;
import dev.turbo4j.core.tensor.DType;

/**
 * An AutoAWQ "gemm" layer (WQLinear_GEMM; verified against AutoAWQ's packing code and
 * lmdeploy's unpack_awq_gemm):
 * <ul>
 *   <li>{@code qweight} int32 [in, out/8]: nibble k of word [i, c] is q[8c + AWQ_ORDER[k]][i],
 *       AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7];</li>
 *   <li>{@code qzeros} int32 [in/G, out/8], the same interleave, the zero point itself;</li>
 *   <li>{@code scales} f16 [in/G, out].</li>
 * </ul>
 */
final class AwqGemmSource implements Int4Source {
    /** Nibble index holding output column 8c + j: the inverse of AWQ_ORDER. */
    private static final int[] NIBBLE_OF_COLUMN = {0, 4, 1, 5, 2, 6, 3, 7};
    private static final String LAYOUT = "an AutoAWQ gemm layer";

    private final TensorInfo qweight;
    private final TensorInfo qzeros;
    private final TensorInfo scales;
    private final int rows;
    private final int cols;
    private final int groupSize;

    AwqGemmSource(TensorStore store, String base, int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
        if (rows % 8 != 0) {
            throw new ModelLoadException(store.dir() + ": " + base + " has " + rows + " outputs; AWQ packs 8 per int32");
        }
        qweight = QuantTensors.get(store, base + ".qweight", LAYOUT, DType.I32);
        qzeros = QuantTensors.get(store, base + ".qzeros", LAYOUT, DType.I32);
        scales = QuantTensors.get(store, base + ".scales", LAYOUT, DType.F16, DType.BF16, DType.F32);
        QuantTensors.checkShape(store, qweight, LAYOUT, cols, rows / 8);
        int groups = scales.dim(0);
        if (groups <= 0 || cols % groups != 0) {
            throw new ModelLoadException(store.dir() + ": tensor '" + scales.name() + "' has " + groups
                    + " groups, which does not divide in_features " + cols);
        }
        groupSize = cols / groups;
        QuantTensors.checkShape(store, scales, LAYOUT, groups, rows);
        QuantTensors.checkShape(store, qzeros, LAYOUT, groups, rows / 8);
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public int groupSize() {
        return groupSize;
    }

    @Override
    public void unpackRows(int row0, int count, byte[] dst) {
        // Rows come in blocks of 64 (multiples of 8), so each word feeds 8 whole rows.
        int wordsPerRow = rows / 8;
        for (int i = 0; i < cols; i++) {
            long rowWords = (long) i * wordsPerRow;
            for (int o = row0; o < row0 + count; o += 8) {
                int word = QuantTensors.word(qweight.data(), rowWords + o / 8);
                for (int j = 0; j < 8 && o + j < row0 + count; j++) {
                    dst[(o + j - row0) * cols + i] = (byte) ((word >>> (4 * NIBBLE_OF_COLUMN[j])) & 0xF);
                }
            }
        }
    }

    @Override
    public int zero(int r, int g) {
        int word = QuantTensors.word(qzeros.data(), (long) g * (rows / 8) + r / 8);
        return (word >>> (4 * NIBBLE_OF_COLUMN[r % 8])) & 0xF;
    }

    @Override
    public short scaleBits(int r, int g) {
        return QuantTensors.halfBits(scales, (long) g * rows + r);
    }
}
