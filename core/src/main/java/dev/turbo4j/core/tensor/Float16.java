package dev.turbo4j.core.tensor;

/** Conversions between float and the two 16-bit float formats weights are stored in. */
public final class Float16 {
    private Float16() {
    }

    /** BF16 bits (upper half of an IEEE float) to float. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** float to BF16 bits, rounding to nearest even (as PyTorch does). */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** IEEE half bits to float. */
    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** float to IEEE half bits (round to nearest even). */
    public static short floatToF16(float value) {
        return Float.floatToFloat16(value);
    }
}
