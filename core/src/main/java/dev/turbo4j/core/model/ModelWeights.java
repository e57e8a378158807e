package dev.turbo4j.core.model;

import dev.turbo4j.core.kernel.LinearWeight;

import java.util.List;

/** All weights of a decoder-only transformer, in the formats the kernels read. */
public record ModelWeights(LinearWeight embedding, List<LayerWeights> layers, float[] finalNorm, LinearWeight lmHead) {

    /** Bytes of weights one decode step reads (every layer, the final norm and the LM head). */
    public long bytesReadPerToken() {
        long n = lmHead.byteSize();
        for (LayerWeights l : layers) {
            n += l.qkv().byteSize() + l.o().byteSize() + l.gateUp().byteSize() + l.down().byteSize();
        }
        return n;
    }

    /**
     * Multiply-adds of the decoder layers' linear weights per token (half their matmul FLOPs);
     * the LM head, which runs only for the tokens whose logits are wanted, is apart.
     */
    public long layerMultiplyAddsPerToken() {
        long n = 0;
        for (LayerWeights l : layers) {
            for (LinearWeight w : List.of(l.qkv(), l.o(), l.gateUp(), l.down())) {
                n += (long) w.inFeatures() * w.outFeatures();
            }
        }
        return n;
    }

    /** Multiply-adds of the LM head per token whose logits are computed. */
    public long lmHeadMultiplyAdds() {
        return (long) lmHead.inFeatures() * lmHead.outFeatures();
    }
}
