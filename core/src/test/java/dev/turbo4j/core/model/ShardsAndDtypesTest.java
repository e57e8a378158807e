package dev.turbo4j.core.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turbo4j.core.kvcache.KvCache;
import dev.turbo4j.core.kvcache.KvCacheSpec;
import dev.turbo4j.core.kvcache.KvFormat;
import dev.turbo4j.core.kvcache.PagedKvCache;
import dev.turbo4j.core.parallel.WorkerPool;
import dev.turbo4j.core.safetensors.SafetensorsWriter;
import dev.turbo4j.core.safetensors.TensorInfo;
import dev.turbo4j.core.safetensors.TensorStore;
import dev.turbo4j.core.tensor.DType;
import dev.turbo4j.core.transformer.LogitsMode;
import dev.turbo4j.core.transformer.SequenceChunk;
import dev.turbo4j.core.transformer.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

/** Sharded checkpoints, F16/BF16/F32 weights, and Llama 3 rope scaling. */
class ShardsAndDtypesTest {
    private static final int[] PROMPT = {1, 5, 9, 200, 31, 77, 140};

    @TempDir
    Path tmp;

    @Test
    void aShardedCheckpointLoadsToTheSameLogitsAsOneFile() throws IOException {
        Path single = tmp.resolve("single");
        RandomModelWriter.write(ModelShape.named("tiny-qwen2"), DType.BF16, 9, single);
        Path sharded = tmp.resolve("sharded");
        Files.createDirectories(sharded);
        Files.copy(single.resolve("config.json"), sharded.resolve("config.json"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode index = json.createObjectNode();
        ObjectNode map = index.putObject("weight_map");
        try (TensorStore store = TensorStore.open(single)) {
            SafetensorsWriter[] shards = {new SafetensorsWriter(), new SafetensorsWriter()};
            int i = 0;
            for (TensorInfo t : store.tensors().values()) {
                int shard = i++ % 2;
                byte[] data = t.data().toArray(ValueLayout.JAVA_BYTE);
                shards[shard].add(t.name(), t.dtype(), t.shape(), out -> out.write(data));
                map.put(t.name(), "model-0000" + (shard + 1) + "-of-00002.safetensors");
            }
            shards[0].write(sharded.resolve("model-00001-of-00002.safetensors"));
            shards[1].write(sharded.resolve("model-00002-of-00002.safetensors"));
        }
        json.writeValue(sharded.resolve("model.safetensors.index.json").toFile(), index);
        // same bytes, so equal up to the JIT's lane-sum order (the interpreter and C2 may add lanes differently)
        assertThat(lastLogits(sharded)).containsExactly(lastLogits(single), offset(1e-5f));

        Files.delete(sharded.resolve("model-00002-of-00002.safetensors"));
        assertThatThrownBy(() -> Model.load(sharded)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("model-00002-of-00002.safetensors").hasMessageContaining("missing");
    }

    @Test
    void f16AndBf16WeightsGiveTheF32ModelsLogitsUpToTheirRounding() throws IOException {
        float[][] logits = new float[3][];
        DType[] types = {DType.F32, DType.F16, DType.BF16};
        for (int i = 0; i < 3; i++) {
            Path dir = tmp.resolve(types[i].name());
            RandomModelWriter.write(ModelShape.named("tiny-llama"), types[i], 4, dir);
            logits[i] = lastLogits(dir);
        }
        // random weights of std 0.02: F16 keeps ~11 bits, BF16 ~8 bits
        assertThat(logits[1]).containsExactly(logits[0], offset(2e-3f));
        assertThat(logits[2]).containsExactly(logits[0], offset(2e-2f));
        assertThat(logits[1]).isNotEqualTo(logits[0]);
    }

    @Test
    void llama3RopeScalingKeepsHighFrequenciesAndSlowsLowOnes() {
        RopeScaling s = new RopeScaling("llama3", 8, 1, 4, 8192);
        double[] plain = RopeScaling.NONE.inverseFrequencies(128, 500000);
        double[] scaled = s.inverseFrequencies(128, 500000);
        for (int i = 0; i < plain.length; i++) {
            double wavelen = 2 * Math.PI / plain[i];
            if (wavelen < 8192 / 4.0) {
                assertThat(scaled[i]).as("high frequency %d", i).isEqualTo(plain[i]);
            } else if (wavelen > 8192 / 1.0) {
                assertThat(scaled[i]).as("low frequency %d", i).isCloseTo(plain[i] / 8, offset(1e-12));
            } else {
                assertThat(scaled[i]).as("blended %d", i).isBetween(plain[i] / 8, plain[i]);
            }
        }
        assertThat(RopeScaling.NONE.inverseFrequencies(4, 10000)).containsExactly(1.0, 0.009999999776482582);
    }

    @Test
    void aLlama3ShapedModelWithRopeScalingRuns() throws IOException {
        Path dir = tmp.resolve("l3");
        RandomModelWriter.write(ModelShape.named("tiny-llama3"), DType.BF16, 2, dir);
        assertThat(ModelConfig.load(dir).ropeScaling().type()).isEqualTo("llama3");
        float[] l = lastLogits(dir);
        assertThat(l).hasSize(2048).doesNotContain(Float.NaN);
    }

    private static float[] lastLogits(Path dir) {
        try (WorkerPool pool = new WorkerPool(2); Model m = Model.load(dir)) {
            ModelConfig c = m.config();
            Transformer tf = new Transformer(c, m.weights(), pool);
            try (KvCache cache = PagedKvCache.create(new KvCacheSpec(c.numLayers(), c.numKvHeads(), c.headDim(), 4, 2, KvFormat.F32))) {
                return tf.forward(List.of(new SequenceChunk(PROMPT, 0, new int[] {1, 0}, LogitsMode.LAST)), cache).row(0);
            }
        }
    }
}
