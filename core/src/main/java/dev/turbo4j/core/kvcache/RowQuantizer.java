package dev.turbo4j.core.kvcache;

/**
 * Asymmetric quantization of one K or V row to {@code levels} codes: the range is widened to
 * include 0 so the zero point is a valid code, the scale is rounded to f16 (as stored) before
 * the codes are computed, and x ≈ (q − zero) · scale.
 */
final class RowQuantizer {
    private RowQuantizer() {
    }

    /** Codes into q[0..n); returns the f16 bits of the scale in the low 16 bits and the zero point above. */
    static int quantize(float[] src, int off, int n, int levels, int[] q) {
        float min = 0f;
        float max = 0f;
        for (int i = 0; i < n; i++) {
            min = Math.min(min, src[off + i]);
            max = Math.max(max, src[off + i]);
        }
        int top = levels - 1;
        float scale = Float.float16ToFloat(Float.floatToFloat16((max - min) / top));
        if (!(scale > 0f)) {
            scale = Float.float16ToFloat((short) 1); // all zeros: any positive scale works
        }
        int zero = Math.clamp(Math.round(-min / scale), 0, top);
        for (int i = 0; i < n; i++) {
            q[i] = Math.clamp(Math.round(src[off + i] / scale) + zero, 0, top);
        }
        return (Float.floatToFloat16(scale) & 0xFFFF) | (zero << 16);
    }
}
