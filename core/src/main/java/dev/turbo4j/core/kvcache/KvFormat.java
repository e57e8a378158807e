package dev.turbo4j.core.kvcache;

/**
 * How keys and values are stored in the cache blocks. The quantized formats store each
 * token's K (and V) row of one head asymmetrically: integer codes plus the row's own f16
 * scale and integer zero point, x ≈ (q − zero) · scale (LMDeploy's quant_policy 8 and 4).
 */
public enum KvFormat {
    F32,
    BF16,
    /** quant_policy 8: one byte per element. */
    INT8,
    /** quant_policy 4: two elements per byte (element j in the low nibble, j + headDim/2 in the high one). */
    INT4;

    /** Bytes of one head's row of one token. */
    public int rowBytes(int headDim) {
        return switch (this) {
            case F32 -> 4 * headDim;
            case BF16 -> 2 * headDim;
            case INT8 -> headDim;
            case INT4 -> headDim / 2;
        };
    }

    /** Bytes of a row's quantization parameters: an f16 scale and a one-byte zero point. */
    public int paramBytes() {
        return this == INT8 || this == INT4 ? 3 : 0;
    }

    /** The format of LMDeploy's quant_policy: 0 keeps {@code unquantized}, 8 is INT8, 4 is INT4. */
    public static KvFormat forQuantPolicy(int quantPolicy, KvFormat unquantized) {
        return switch (quantPolicy) {
            case 0 -> unquantized;
            case 8 -> INT8;
            case 4 -> INT4;
            default -> throw new IllegalArgumentException("quant_policy must be 0, 8 (int8 KV) or 4 (int4 KV), got " + quantPolicy);
        };
    }
}
