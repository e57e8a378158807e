package dev.turbo4j.core.quant;

/**
 * Packs 4-bit groups into AutoAWQ's gemm tensors (the inverse of {@link AwqGemmSource}):
 * {@code qweight} int32 [in, out/8] and {@code qzeros} int32 [in/G, out/8] with nibble k of
 * word c holding output 8c + AWQ_ORDER[k], AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7]; and
 * {@code scales} f16 [in/G, out] (returned as half bits).
 */
public final class AwqGemmPacker {
    /** AutoAWQ's order: nibble k holds output column 8c + AWQ_ORDER[k]. */
    private static final int[] AWQ_ORDER = {0, 2, 4, 6, 1, 3, 5, 7};

    private AwqGemmPacker() {
    }

    /** The three AWQ tensors of one layer. */
    public record Packed(int[] qweight, int[] qzeros, short[] scales, int in, int out, int groups) {
    }

    public static Packed pack(Int4Groups w) {
        int out = w.rows();
        int in = w.cols();
        if (out % 8 != 0) {
            throw new IllegalArgumentException("AWQ packs 8 outputs per int32; out_features " + out + " is not a multiple of 8");
        }
        int groups = w.groupsPerRow();
        int words = out / 8;
        int[] qweight = new int[in * words];
        int[] qzeros = new int[groups * words];
        short[] scales = new short[groups * out];
        for (int c = 0; c < words; c++) {
            for (int k = 0; k < 8; k++) {
                int o = 8 * c + AWQ_ORDER[k];
                for (int i = 0; i < in; i++) {
                    qweight[i * words + c] |= (w.q(o, i) & 0xF) << (4 * k);
                }
                for (int g = 0; g < groups; g++) {
                    qzeros[g * words + c] |= (w.zero(o, g) & 0xF) << (4 * k);
                    scales[g * out + o] = w.scaleBits(o, g);
                }
            }
        }
        return new Packed(qweight, qzeros, scales, in, out, groups);
    }
}
