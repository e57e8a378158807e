package dev.turbo4j.core.quant.awq;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The AutoAWQ gemm nibble order, checked on a word worked out by hand, and the round trip. */
class AwqGemmPackingTest {

    @Test
    void outputColumnsAreInterleavedZeroTwoFourSixOneThreeFiveSeven() {
        // q[o][0] = o for o = 0..7: nibble k holds column ORDER[k] = 0,2,4,6,1,3,5,7
        byte[] q = new byte[8];
        for (int o = 0; o < 8; o++) {
            q[o] = (byte) o;
        }
        QuantizedLinear w = new QuantizedLinear(8, 1, 4, 1, q, new byte[] {0, 1, 2, 3, 4, 5, 6, 7}, new float[8]);
        AwqGemmPacking.Tensors t = AwqGemmPacking.pack(w);
        assertThat(t.qweight()).containsExactly(0x75316420);
        assertThat(t.qzeros()).containsExactly(0x75316420);
        assertThat(t.qweightShape()).containsExactly(1, 1);
    }

    @Test
    void unpackInvertsPack() {
        Random random = new Random(5);
        int out = 24;
        int in = 64;
        int group = 32;
        byte[] q = new byte[out * in];
        byte[] zeros = new byte[out * (in / group)];
        float[] scales = new float[zeros.length];
        for (int i = 0; i < q.length; i++) {
            q[i] = (byte) random.nextInt(16);
        }
        for (int i = 0; i < zeros.length; i++) {
            zeros[i] = (byte) random.nextInt(16);
            scales[i] = Float.float16ToFloat(Float.floatToFloat16(random.nextFloat()));
        }
        QuantizedLinear w = new QuantizedLinear(out, in, 4, group, q, zeros, scales);
        QuantizedLinear back = AwqGemmPacking.unpack(AwqGemmPacking.pack(w));
        assertThat(back.q()).isEqualTo(q);
        assertThat(back.zeros()).isEqualTo(zeros);
        assertThat(back.scales()).isEqualTo(scales);
    }
}
