package dev.turbo4j.core.model;

import dev.turbo4j.core.kernel.DenseWeight;
import dev.turbo4j.core.kvcache.KvCache;
import dev.turbo4j.core.kvcache.KvCacheSpec;
import dev.turbo4j.core.kvcache.KvFormat;
import dev.turbo4j.core.kvcache.PagedKvCache;
import dev.turbo4j.core.memory.LargePages;
import dev.turbo4j.core.parallel.WorkerPool;
import dev.turbo4j.core.quant.LinearLoader;
import dev.turbo4j.core.tensor.DType;
import dev.turbo4j.core.transformer.LogitsMode;
import dev.turbo4j.core.transformer.SequenceChunk;
import dev.turbo4j.core.transformer.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/** Dense linear layers are copied out of the memory map into resident memory at load, unless told not to. */
class ResidentWeightsTest {
    /** Layers of 1 MiB and more (the huge-page threshold); a tied head, as Qwen2.5's. */
    private static final ModelShape SHAPE = new ModelShape("resident-qwen2", Architecture.QWEN2, 512, 1024, 1, 8, 2, 64,
            2048, 512, true, 1000000, RopeScaling.NONE, true);
    private static final int[] PROMPT = {1, 5, 9, 200, 31, 77, 140};

    @TempDir
    Path tmp;

    @Test
    void multiplyAddsCountTheLayersPerTokenAndTheHeadApart() throws IOException {
        RandomModelWriter.write(SHAPE, DType.BF16, 11, tmp);
        try (Model m = Model.load(tmp)) {
            // q 512x512, k and v 128x512 each (2 kv heads of 64), o 512x512, gate and up 1024x512, down 512x1024
            long layer = 512L * 512 + 2 * 128 * 512 + 512 * 512 + 2 * 1024 * 512 + 512 * 1024;
            assertThat(m.weights().layerMultiplyAddsPerToken()).isEqualTo(SHAPE.numLayers() * layer);
            assertThat(m.weights().lmHeadMultiplyAdds()).isEqualTo(2048L * 512);
        }
    }

    @Test
    void denseLinearsAndTheTiedHeadAreCopiedAndComputeTheSame() throws IOException {
        RandomModelWriter.write(SHAPE, DType.BF16, 11, tmp);
        float[] copied;
        float[] mapped;
        try (Model m = Model.load(tmp)) {
            DenseWeight down = (DenseWeight) m.weights().layers().get(0).down();
            if (LargePages.available()) {
                // down (1024 x 512) and the tied head (2048 x 512) at least, BF16.
                assertThat(m.copiedBytes()).isGreaterThanOrEqualTo(2L * (1024 * 512 + 2048 * 512));
                assertThat(isInFile(down.data())).as("down_proj lives outside the memory map").isFalse();
                assertThat(isInFile(((DenseWeight) m.weights().lmHead()).data())).isFalse();
            } else {
                assertThat(m.copiedBytes()).as("no huge pages here: weights stay in the map").isZero();
            }
            assertThat(m.repackedBytes()).isZero();
            copied = lastLogits(m);
        }
        System.setProperty(LinearLoader.MAP_PROPERTY, "true");
        try (Model m = Model.load(tmp)) {
            assertThat(m.copiedBytes()).isZero();
            assertThat(isInFile(((DenseWeight) m.weights().layers().get(0).down()).data())).isTrue();
            mapped = lastLogits(m);
        } finally {
            System.clearProperty(LinearLoader.MAP_PROPERTY);
        }
        assertThat(copied).hasSize(SHAPE.vocabSize());
        for (int i = 0; i < copied.length; i++) {
            // Same bytes; only the JIT's lane-sum order may differ between the loads.
            assertThat(copied[i]).isCloseTo(mapped[i], offset(1e-4f));
        }
    }

    private static float[] lastLogits(Model m) {
        try (WorkerPool pool = new WorkerPool(2)) {
            ModelConfig c = m.config();
            Transformer tf = new Transformer(c, m.weights(), pool);
            try (KvCache cache = PagedKvCache.create(new KvCacheSpec(c.numLayers(), c.numKvHeads(), c.headDim(), 4, 2, KvFormat.F32))) {
                return tf.forward(List.of(new SequenceChunk(PROMPT, 0, new int[] {1, 0}, LogitsMode.LAST)), cache).row(0);
            }
        }
    }

    /** Whether the weight's bytes are the file's memory map (a copy is anonymous memory). */
    private static boolean isInFile(MemorySegment data) {
        return data.isMapped();
    }
}
