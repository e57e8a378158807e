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

    /** Multiply-adds of the linear layers per token (half the matmul FLOPs). */
    public long multiplyAddsPerToken() {
        long n = (long) lmHead.inFeatures() * lmHead.outFeatures();
        for (LayerWeights l : layers) {
            for (LinearWeight w : List.of(l.qkv(), l.o(), l.gateUp(), l.down())) {
                n += (long) w.inFeatures() * w.outFeatures();
            }
        }
        return n;
    }
}
