package dev.turbo4j.core.quant.awq;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** AutoAWQ's round-to-nearest rules, worked by hand on small groups. */
class GroupQuantizerTest {

    @Test
    void asymmetricGroupUsesMinMaxScaleAndZeroPoint() {
        // one row, two groups of 4
        FloatMatrix w = new FloatMatrix(1, 8, new float[] {-1.5f, 0f, 0.75f, 1.5f, 2f, 3f, 4f, 5f});
        QuantizedLinear q = new GroupQuantizer(4, 4, false).quantize(w);
        // group 0: range 3 -> scale 0.2 (f16: 0.199951171875), zero = round(1.5 / s) = 8
        float s0 = Float.float16ToFloat(Float.floatToFloat16(3f / 15));
        assertThat(q.scale(0, 0)).isEqualTo(s0);
        assertThat(q.zero(0, 0)).isEqualTo(8);
        assertThat(q.q(0, 0)).isEqualTo(0);                                 // round(-7.5) + 8: half to even, -8
        assertThat(q.q(0, 1)).isEqualTo(8);
        assertThat(q.q(0, 3)).isEqualTo(15);                                // clamped at 2^4 - 1
        // group 1: all positive -> zero clamps to 0
        assertThat(q.zero(0, 1)).isEqualTo(0);
        assertThat(q.scale(0, 1)).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(3f / 15)));
    }

    @Test
    void symmetricGroupHasAFixedZeroOfEight() {
        FloatMatrix w = new FloatMatrix(1, 4, new float[] {-0.7f, 0.35f, 0f, 0.1f});
        QuantizedLinear q = new GroupQuantizer(4, -1, true).quantize(w);
        float s = Float.float16ToFloat(Float.floatToFloat16(0.7f / 7));
        assertThat(q.groupSize()).isEqualTo(4);
        assertThat(q.scale(0, 0)).isEqualTo(s);
        assertThat(q.zero(0, 0)).isEqualTo(8);
        assertThat(q.q(0, 0)).isEqualTo(1);                                  // -7 + 8
        assertThat(q.q(0, 2)).isEqualTo(8);
        assertThat(q.dequantize().data()[0]).isEqualTo(-7 * s);
    }

    @Test
    void roundTripErrorIsWithinOneStepAndDequantizeIsExact() {
        Random random = new Random(1);
        float[] data = new float[16 * 256];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian() * 0.05f;
        }
        FloatMatrix w = new FloatMatrix(16, 256, data);
        QuantizedLinear q = new GroupQuantizer(4, 128, false).quantize(w);
        float[] back = q.dequantize().data();
        for (int r = 0; r < 16; r++) {
            for (int c = 0; c < 256; c++) {
                float s = q.scale(r, c / 128);
                assertThat(Math.abs(back[r * 256 + c] - data[r * 256 + c])).isLessThanOrEqualTo(s);
                assertThat(back[r * 256 + c]).isEqualTo((q.q(r, c) - q.zero(r, c / 128)) * s);
            }
        }
    }

    @Test
    void aGroupSizeThatDoesNotDivideTheRowIsRefused() {
        assertThatThrownBy(() -> new GroupQuantizer(4, 96, false).quantize(new FloatMatrix(1, 256, new float[256])))
                .hasMessageContaining("group size 96 does not divide 256");
        assertThatThrownBy(() -> new GroupQuantizer(4, 0, false)).hasMessageContaining("--w-group-size");
    }
}
