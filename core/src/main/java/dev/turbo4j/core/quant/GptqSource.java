package dev.turbo4j.core.quant;

import dev.turbo4j.core.model.ModelLoadException;
import dev.turbo4j.core.safetensors.TensorInfo;
import dev.turbo4j.core.safetensors.TensorStore;
import dev.turbo4j.core.tensor.DType;

/**
 * An AutoGPTQ 4-bit layer (QuantLinear of qlinear_cuda_old; verified against AutoGPTQ's
 * pack/forward and lmdeploy's process_gptq):
 * <ul>
 *   <li>{@code qweight} int32 [in/8, out]: nibble j of word [r, o] is q[o][8r + j] (packed
 *       along the input, no interleave);</li>
 *   <li>{@code qzeros} int32 [in/G, out/8]: nibble j of word [g, c] is zero[g][8c + j], minus
 *       one in v1 checkpoints (AutoGPTQ subtracts 1 before packing; readers add it back);</li>
 *   <li>{@code scales} f16 [in/G, out]; {@code g_idx} int32 [in], which must be i / G
 *       (desc_act=false; act-order permutations are refused).</li>
 * </ul>
 */
final class GptqSource implements Int4Source {
    private static final String LAYOUT = "a GPTQ 4-bit layer";

    private final TensorInfo qweight;
    private final TensorInfo qzeros;
    private final TensorInfo scales;
    private final int rows;
    private final int cols;
    private final int groupSize;
    private final int zeroOffset;

    GptqSource(TensorStore store, String base, int rows, int cols, boolean zeroOffset) {
        this.rows = rows;
        this.cols = cols;
        this.zeroOffset = zeroOffset ? 1 : 0;
        if (rows % 8 != 0 || cols % 8 != 0) {
            throw new ModelLoadException(store.dir() + ": " + base + " is " + rows + "x" + cols
                    + "; GPTQ packs 8 values per int32 along both dimensions");
        }
        qweight = QuantTensors.get(store, base + ".qweight", LAYOUT, DType.I32);
        qzeros = QuantTensors.get(store, base + ".qzeros", LAYOUT, DType.I32);
        scales = QuantTensors.get(store, base + ".scales", LAYOUT, DType.F16, DType.BF16, DType.F32);
        QuantTensors.checkShape(store, qweight, LAYOUT, cols / 8, rows);
        int groups = scales.dim(0);
        if (groups <= 0 || cols % groups != 0) {
            throw new ModelLoadException(store.dir() + ": tensor '" + scales.name() + "' has " + groups
                    + " groups, which does not divide in_features " + cols);
        }
        groupSize = cols / groups;
        QuantTensors.checkShape(store, scales, LAYOUT, groups, rows);
        QuantTensors.checkShape(store, qzeros, LAYOUT, groups, rows / 8);
        if (store.has(base + ".g_idx")) {
            checkSequentialGroups(store, store.get(base + ".g_idx"));
        }
    }

    private void checkSequentialGroups(TensorStore store, TensorInfo gIdx) {
        if (gIdx.dtype() != DType.I32 || gIdx.elementCount() != cols) {
            throw new ModelLoadException(store.dir() + ": tensor '" + gIdx.name() + "' should be I32 [" + cols + "], is "
                    + gIdx.dtype() + gIdx.shapeString());
        }
        for (int i = 0; i < cols; i++) {
            if (QuantTensors.word(gIdx.data(), i) != i / groupSize) {
                throw new ModelLoadException(store.dir() + ": tensor '" + gIdx.name() + "' permutes the input groups"
                        + " (act-order, desc_act=true), which is not supported; use a desc_act=false checkpoint");
            }
        }
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
        for (int r = 0; r < cols / 8; r++) {
            long words = (long) r * rows;
            for (int o = row0; o < row0 + count; o++) {
                int word = QuantTensors.word(qweight.data(), words + o);
                int at = (o - row0) * cols + 8 * r;
                for (int j = 0; j < 8; j++) {
                    dst[at + j] = (byte) ((word >>> (4 * j)) & 0xF);
                }
            }
        }
    }

    @Override
    public int zero(int r, int g) {
        int word = QuantTensors.word(qzeros.data(), (long) g * (rows / 8) + r / 8);
        return ((word >>> (4 * (r % 8))) & 0xF) + zeroOffset;
    }

    @Override
    public short scaleBits(int r, int g) {
        return QuantTensors.halfBits(scales, (long) g * rows + r);
    }
}
