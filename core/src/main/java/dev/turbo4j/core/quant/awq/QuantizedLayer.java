package dev.turbo4j.core.quant.awq;

/**
 * One decoder layer after AWQ: the norms with their folded scales (kept in float) and the
 * four stacked linears quantized. Row-wise quantization makes a stacked matrix's rows
 * the rows of its parts, so q/k/v and gate/up are split only when written.
 */
public record QuantizedLayer(float[] attentionNorm, QuantizedLinear qkv, float[] qkvBias, QuantizedLinear o,
                             float[] oBias, float[] mlpNorm, QuantizedLinear gateUp, QuantizedLinear down) {

    /** Quantizes a (scaled) float layer. */
    public static QuantizedLayer of(FloatLayer layer, GroupQuantizer quantizer) {
        return new QuantizedLayer(layer.attentionNorm(), quantizer.quantize(layer.qkv()), layer.qkvBias(),
                quantizer.quantize(layer.o()), layer.oBias(), layer.mlpNorm(), quantizer.quantize(layer.gateUp()),
                quantizer.quantize(layer.down()));
    }
}
