package dev.turbo4j.core.quant;

import dev.turbo4j.core.kvcache.KvCache;
import dev.turbo4j.core.kvcache.PagedKvCache;
import dev.turbo4j.core.model.Model;
import dev.turbo4j.core.parallel.WorkerPool;
import dev.turbo4j.core.transformer.Logits;
import dev.turbo4j.core.transformer.LogitsMode;
import dev.turbo4j.core.transformer.SequenceChunk;
import dev.turbo4j.core.transformer.Transformer;

import java.util.List;

/** Running the test models: one shared pool, the logits after a prompt, greedy continuations. */
final class ModelRuns {
    /** Two threads, so row ranges are split as in use; daemon workers, never closed. */
    static final WorkerPool POOL = new WorkerPool(2);

    private ModelRuns() {
    }

    /** The logits after the last prompt token. */
    static float[] lastLogits(Model m, int[] ids) {
        Transformer tf = new Transformer(m.config(), m.weights(), POOL);
        try (KvCache cache = PagedKvCache.create(QuantizedGoldenTest.spec(m.config(), ids.length))) {
            Logits l = tf.forward(List.of(new SequenceChunk(ids, 0, QuantizedGoldenTest.table(cache), LogitsMode.LAST)), cache);
            return l.row(0).clone();
        }
    }

    /** n tokens generated greedily after the prompt (prefill, then one decode step per token). */
    static int[] greedy(Model m, int[] prompt, int n) {
        Transformer tf = new Transformer(m.config(), m.weights(), POOL);
        try (KvCache cache = PagedKvCache.create(QuantizedGoldenTest.spec(m.config(), prompt.length + n))) {
            int[] table = QuantizedGoldenTest.table(cache);
            Logits logits = tf.forward(List.of(new SequenceChunk(prompt, 0, table, LogitsMode.LAST)), cache);
            int[] out = new int[n];
            for (int i = 0; i < n; i++) {
                out[i] = QuantizedGoldenTest.argmax(logits.row(0));
                if (i + 1 < n) {
                    logits = tf.forward(List.of(new SequenceChunk(new int[] {out[i]}, prompt.length + i, table,
                            LogitsMode.LAST)), cache);
                }
            }
            return out;
        }
    }
}
