package dev.turbo4j.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turbo4j.core.quant.ModelConverter;
import dev.turbo4j.core.sampling.GenerationConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The embedding API as the README shows it. */
class PipelineTest {

    @Test
    void generateChatAndPerplexity() throws Exception {
        try (Pipeline pipe = Pipeline.load(EngineTest.KJV)) {
            GenerationConfig greedy = pipe.defaults().withTemperature(0f).withMaxNewTokens(12).withIgnoreEos(true);
            List<GenerationResult> out = pipe.generate(List.of("Who is the LORD?", "What is love?"), greedy);
            assertThat(out).hasSize(2);
            assertThat(out).allSatisfy(r -> assertThat(r.completionTokens()).isEqualTo(12));
            // batched results equal the same prompt streamed alone
            GenerationResult alone = pipe.stream("Who is the LORD?", greedy).result();
            assertThat(out.getFirst().tokenIds()).containsExactly(alone.tokenIds());

            try (ChatSession chat = pipe.newChat(null)) {
                GenerationResult first = pipe.chat(chat, "Who was Moses?", greedy);
                GenerationResult second = pipe.chat(chat, "And his brother?", greedy);
                assertThat(first.historyTokens()).isZero();
                assertThat(second.historyTokens()).isEqualTo(first.promptTokens() + first.completionTokens());
                assertThat(chat.usedTokens()).isEqualTo(second.historyTokens() + second.promptTokens() + 12);
            }

            // perplexity of one window without BOS equals the reference's first no-BOS chunk
            JsonNode golden = new ObjectMapper().readTree(
                    Path.of("../core/src/test/resources/golden/kjv-llama-tiny/ppl.json").toFile());
            int[] ids = new int[256];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = golden.get("ids").get(i).asInt();
            }
            double expected = Math.exp(golden.get("no_bos").get("chunk_nll_sums").get(0).asDouble() / 255);
            assertThat(pipe.getPpl(ids)).isCloseTo(expected, within(expected * 1e-3));
        }
    }

    @Test
    void aFolderSplitForTwoRanksGeneratesWhatTheUnsplitModelDoes(@TempDir Path tmp) throws Exception {
        Path split = tmp.resolve("kjv-tp2");
        ModelConverter.convert(EngineTest.KJV, split, null, 2);
        EngineConfig config = EngineConfig.defaults().withThreads(2);
        List<String> prompts = List.of("Who is the LORD?", "And Moses said");
        List<GenerationResult> expected;
        try (Pipeline pipe = Pipeline.load(EngineTest.KJV, config, null)) {
            expected = pipe.generate(prompts, pipe.defaults().withTemperature(0f).withMaxNewTokens(16).withIgnoreEos(true));
        }
        try (Pipeline pipe = Pipeline.load(split, config.withTp(2), null)) {
            List<GenerationResult> out = pipe.generate(prompts,
                    pipe.defaults().withTemperature(0f).withMaxNewTokens(16).withIgnoreEos(true));
            for (int i = 0; i < prompts.size(); i++) {
                assertThat(out.get(i).tokenIds()).as(prompts.get(i)).containsExactly(expected.get(i).tokenIds());
            }
        }
    }

    @Test
    void askingForRanksTheFolderIsNotSplitForIsRefused() {
        assertThatThrownBy(() -> Pipeline.load(EngineTest.KJV, EngineConfig.defaults().withThreads(2).withTp(2), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stored unsplit (tp 1)")
                .hasMessageContaining("--tp 2");
        // The engine checks too, whatever the model was opened with.
        try (LocalModel model = LocalModel.open(EngineTest.KJV, 2)) {
            assertThatThrownBy(() -> Engine.start(model, EngineConfig.defaults().withTp(2)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tp 2: ").hasMessageContaining("stored unsplit");
        }
    }

    @Test
    void nullArgumentsAreRefusedWithWhatToPassInstead() throws Exception {
        assertThatThrownBy(() -> Pipeline.load(null, EngineConfig.defaults(), null))
                .isInstanceOf(NullPointerException.class).hasMessage("dir must not be null; pass the model folder");
        assertThatThrownBy(() -> Pipeline.load(EngineTest.KJV, null, null))
                .isInstanceOf(NullPointerException.class).hasMessage("config must not be null; use EngineConfig.defaults()");
        try (Pipeline pipe = Pipeline.load(EngineTest.KJV)) {
            assertThatThrownBy(() -> pipe.stream(null, pipe.defaults()))
                    .isInstanceOf(NullPointerException.class).hasMessage("prompt must not be null");
            assertThatThrownBy(() -> pipe.complete(null, pipe.defaults()))
                    .isInstanceOf(NullPointerException.class).hasMessage("text must not be null");
        }
    }
}
