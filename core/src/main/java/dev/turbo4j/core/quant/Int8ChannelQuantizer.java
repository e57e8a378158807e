package dev.turbo4j.core.quant;

import dev.turbo4j.core.kernel.LinearWeight;

/**
 * Symmetric int8 quantization per output channel: scale = max|w| / 127 of the row,
 * q = clamp(round(w / scale), −127, 127) (ties to even). An all-zero row gets scale 1.
 */
public final class Int8ChannelQuantizer {
    private Int8ChannelQuantizer() {
    }

    /** The quantized rows: q [rows × cols] row-major and one scale per row. */
    public record Result(int rows, int cols, byte[] q, float[] scales) {
    }

    public static Result quantize(LinearWeight w) {
        int rows = w.outFeatures();
        int cols = w.inFeatures();
        byte[] q = new byte[Math.multiplyExact(rows, cols)];
        float[] scales = new float[rows];
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            w.readRow(r, row, 0);
            float absMax = 0;
            for (float v : row) {
                absMax = Math.max(absMax, Math.abs(v));
            }
            float scale = absMax == 0 ? 1f : absMax / 127f;
            scales[r] = scale;
            for (int c = 0; c < cols; c++) {
                q[r * cols + c] = (byte) Math.max(-127, Math.min(127, (int) Math.rint(row[c] / scale)));
            }
        }
        return new Result(rows, cols, q, scales);
    }
}
