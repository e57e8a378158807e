package dev.turbo4j.core.kvcache;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;


/**
 * KV blocks in int8 (quant_policy 8): a signed byte per element (code − 128) and per row an
 * f16 scale and a zero point, so x = (b − z) · scale. Attention folds the zero point out of
 * the loops: q·k = scale · (q·b − z · Σq), and value sums subtract z · Σ(weight · scale) once.
 */
public final class Int8KvCache extends QuantizedKvCache {

    Int8KvCache(KvCacheSpec spec) {
        super(spec, 256, 128);
    }

    @Override
    protected void storeCodes(long r) {
        for (int d = 0; d < headDim; d++) {
            pool.set(BYTE, r + d, (byte) (codes[d] - 128));
        }
    }

    @Override
    public void readRow(int block, int layer, int kind, int kvHead, int slot, float[] dst, int off) {
        long sec = section(block, layer, kind, kvHead);
        long r = row(sec, slot);
        long p = params(sec, slot);
        for (int d = 0; d < headDim; d++) {
            dst[off + d] = (pool.get(BYTE, r + d) - zero(p)) * scale(p);
        }
    }

    private int vectorBound() {
        return B == null ? 0 : F.loopBound(headDim);
    }

    @Override
    public void keyScores(int layer, int block, int kvHead, int count, float[] q, int qOff, float attnScale, float[] scores) {
        long sec = section(block, layer, KEY, kvHead);
        float qSum = querySum(q, qOff);
        int vec = vectorBound();
        for (int s = 0; s < count; s++) {
            long r = row(sec, s);
            float dot = 0f;
            int d = 0;
            if (vec > 0) {
                FloatVector acc = FloatVector.zero(F);
                for (; d < vec; d += F.length()) {
                    FloatVector k = (FloatVector) ByteVector.fromMemorySegment(B, pool, r + d, java.nio.ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2F, F, 0);
                    acc = k.fma(FloatVector.fromArray(F, q, qOff + d), acc);
                }
                dot = sum(acc);
            }
            for (; d < headDim; d++) {
                dot += q[qOff + d] * pool.get(BYTE, r + d);
            }
            long p = params(sec, s);
            scores[s] = score(p, dot, qSum, attnScale);
        }
    }

    @Override
    public void accumulateValues(int layer, int block, int kvHead, int count, float[] weights, float[] acc, int accOff) {
        long sec = section(block, layer, VALUE, kvHead);
        int vec = vectorBound();
        float correction = 0f;
        for (int s = 0; s < count; s++) {
            long r = row(sec, s);
            long p = params(sec, s);
            float c = weights[s] * scale(p);
            FloatVector cv = FloatVector.broadcast(F, c);
            correction += c * zero(p);
            int d = 0;
            for (; d < vec; d += F.length()) {
                FloatVector v = (FloatVector) ByteVector.fromMemorySegment(B, pool, r + d, java.nio.ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2F, F, 0);
                v.fma(cv, FloatVector.fromArray(F, acc, accOff + d)).intoArray(acc, accOff + d);
            }
            for (; d < headDim; d++) {
                acc[accOff + d] += c * pool.get(BYTE, r + d);
            }
        }
        subtractZeroShare(acc, accOff, correction);
    }
}
