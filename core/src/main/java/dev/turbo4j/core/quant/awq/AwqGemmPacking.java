package dev.turbo4j.core.quant.awq;

/**
 * AutoAWQ's "gemm" layout of a 4-bit linear layer (awq/modules/linear/gemm.py
 * WQLinear_GEMM.from_linear; awq/utils/packing_utils.py), for W of shape [out, in]:
 * <ul>
 * <li>qweight int32 [in, out/8]: word [i][c], nibble k (bits 4k..4k+3) holds q[8c + ORDER[k]][i];</li>
 * <li>qzeros int32 [in/G, out/8]: the zero points, packed the same way;</li>
 * <li>scales f16 [in/G, out].</li>
 * </ul>
 * with ORDER = [0, 2, 4, 6, 1, 3, 5, 7] (the interleave AutoAWQ's CUDA kernel dequantizes in).
 */
public final class AwqGemmPacking {
    /** Output column (within a word's 8) held by nibble k. */
    private static final int[] ORDER = {0, 2, 4, 6, 1, 3, 5, 7};
    private static final int PACK = 8;

    private AwqGemmPacking() {
    }

    /** The three tensors of one layer, as stored (int32 words and f16 bits). */
    public record Tensors(int[] qweight, int[] qzeros, short[] scales, int in, int out, int groupSize) {
        public long[] qweightShape() {
            return new long[] {in, out / PACK};
        }

        public long[] qzerosShape() {
            return new long[] {in / groupSize, out / PACK};
        }

        public long[] scalesShape() {
            return new long[] {in / groupSize, out};
        }
    }

    /** Packs a 4-bit layer; its output size must be a multiple of 8. */
    public static Tensors pack(QuantizedLinear w) {
        if (w.bits() != 4) {
            throw new IllegalArgumentException("AutoAWQ gemm checkpoints hold 4-bit weights, not " + w.bits());
        }
        int out = w.rows();
        int in = w.cols();
        if (out % PACK != 0) {
            throw new IllegalArgumentException("AutoAWQ gemm packing needs the output size to be a multiple of 8, got " + out);
        }
        int words = out / PACK;
        int groups = w.groups();
        int[] qweight = new int[in * words];
        for (int i = 0; i < in; i++) {
            for (int c = 0; c < words; c++) {
                int word = 0;
                for (int k = 0; k < PACK; k++) {
                    word |= w.q(PACK * c + ORDER[k], i) << (4 * k);
                }
                qweight[i * words + c] = word;
            }
        }
        int[] qzeros = new int[groups * words];
        short[] scales = new short[groups * out];
        for (int g = 0; g < groups; g++) {
            for (int c = 0; c < words; c++) {
                int word = 0;
                for (int k = 0; k < PACK; k++) {
                    word |= w.zero(PACK * c + ORDER[k], g) << (4 * k);
                }
                qzeros[g * words + c] = word;
            }
            for (int o = 0; o < out; o++) {
                scales[g * out + o] = Float.floatToFloat16(w.scale(o, g));
            }
        }
        return new Tensors(qweight, qzeros, scales, in, out, w.groupSize());
    }

    /** The inverse of {@link #pack}: the quantized layer [out, in] a gemm checkpoint holds. */
    public static QuantizedLinear unpack(Tensors t) {
        int out = t.out();
        int in = t.in();
        int words = out / PACK;
        int groups = in / t.groupSize();
        byte[] q = new byte[out * in];
        for (int i = 0; i < in; i++) {
            for (int c = 0; c < words; c++) {
                int word = t.qweight()[i * words + c];
                for (int k = 0; k < PACK; k++) {
                    q[(PACK * c + ORDER[k]) * in + i] = (byte) ((word >>> (4 * k)) & 0xF);
                }
            }
        }
        byte[] zeros = new byte[out * groups];
        float[] scales = new float[out * groups];
        for (int g = 0; g < groups; g++) {
            for (int c = 0; c < words; c++) {
                int word = t.qzeros()[g * words + c];
                for (int k = 0; k < PACK; k++) {
                    zeros[(PACK * c + ORDER[k]) * groups + g] = (byte) ((word >>> (4 * k)) & 0xF);
                }
            }
            for (int o = 0; o < out; o++) {
                scales[o * groups + g] = Float.float16ToFloat(t.scales()[g * out + o]);
            }
        }
        return new QuantizedLinear(out, in, 4, t.groupSize(), q, zeros, scales);
    }
}
