package dev.turbo4j.engine;

import dev.turbo4j.core.chat.ChatMessage;
import dev.turbo4j.core.chat.ChatTemplate;
import dev.turbo4j.core.chat.ChatTemplates;
import dev.turbo4j.core.sampling.GenerationConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Continuous batching, sessions, prefix caching and the KV pool, on the demo model. */
class EngineTest {
    static final Path KJV = Path.of("../models/kjv-llama-tiny");
    static final String[] PROMPTS = {
            "In the beginning God created", "And it came to pass", "Blessed is the man", "The LORD is my shepherd",
            "And Jesus said unto them,", "Now the serpent was", "For God so loved", "Let there be light"};
    static LocalModel model;

    @BeforeAll
    static void open() {
        model = LocalModel.open(KJV, 2);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static GenerationConfig greedy(int n) {
        return GenerationConfig.greedy().withMaxNewTokens(n).withIgnoreEos(true);
    }

    static int[] ids(String text) {
        return model.tokenizer().encode(text, true);
    }

    /** Each prompt alone, one after another, on a fresh engine. */
    static List<int[]> oneAtATime(EngineConfig config, int n) throws InterruptedException {
        List<int[]> out = new ArrayList<>();
        try (Engine e = Engine.start(model, config)) {
            for (String p : PROMPTS) {
                out.add(e.generate(ids(p), greedy(n)).result().tokenIds());
            }
        }
        return out;
    }

    static List<int[]> allAtOnce(Engine e, int n) throws InterruptedException {
        List<GenerationStream> streams = new ArrayList<>();
        for (String p : PROMPTS) {
            streams.add(e.generate(ids(p), greedy(n)));
        }
        List<int[]> out = new ArrayList<>();
        for (GenerationStream s : streams) {
            out.add(s.result().tokenIds());
        }
        return out;
    }

    @Test
    void concurrentRequestsGiveTheSameGreedyTokensAsOneAtATime() throws InterruptedException {
        EngineConfig base = EngineConfig.defaults().withCacheMaxEntryCount(64);
        List<int[]> expected = oneAtATime(base, 24);
        for (EngineConfig c : List.of(base, base.withMaxPrefillTokenNum(3), base.withEnablePrefixCaching(true),
                base.withMaxBatchSize(3))) {
            try (Engine e = Engine.start(model, c)) {
                List<int[]> got = allAtOnce(e, 24);
                for (int i = 0; i < PROMPTS.length; i++) {
                    assertThat(got.get(i)).as("%s with %s", PROMPTS[i], c).containsExactly(expected.get(i));
                }
                e.checkInvariants();
            }
        }
    }

    /**
     * A prefill budget below the block size still batches: a prompt longer than the budget used to
     * wait for an idle engine (its chunks were never a whole block), so requests ran one by one.
     */
    @Test
    void requestsBatchWhenThePrefillBudgetIsBelowTheBlockSize() throws InterruptedException {
        int budget = 8;
        int newTokens = 8;
        EngineConfig c = EngineConfig.defaults().withCacheMaxEntryCount(64).withCacheBlockSeqLen(16)
                .withMaxPrefillTokenNum(budget);
        List<int[]> inputs = new ArrayList<>();
        int oneByOne = 0;
        for (String p : PROMPTS) {
            int[] in = ids(p + " " + p); // longer than the budget
            inputs.add(in);
            oneByOne += (in.length + budget - 1) / budget + newTokens - 1;
        }
        try (Engine e = Engine.start(model, c)) {
            List<GenerationStream> streams = e.generateAll(inputs, java.util.Collections.nCopies(inputs.size(), greedy(newTokens)));
            for (GenerationStream s : streams) {
                assertThat(s.result().completionTokens()).isEqualTo(newTokens);
            }
            assertThat(e.stats().steps()).as("steps, against %d one request at a time", oneByOne).isLessThan(oneByOne);
            e.checkInvariants();
        }
    }

    @Test
    void sixteenSequencesDecodingTogetherGiveTheirGreedyTokensAlone() throws InterruptedException {
        // 16 decode tokens per step take the narrow GEMM tile rather than the GEMV of one token.
        List<int[]> inputs = new ArrayList<>();
        for (String p : PROMPTS) {
            inputs.add(ids(p));
            inputs.add(ids(p + " and"));
        }
        EngineConfig config = EngineConfig.defaults().withCacheMaxEntryCount(64);
        List<int[]> alone = new ArrayList<>();
        try (Engine e = Engine.start(model, config)) {
            for (int[] input : inputs) {
                alone.add(e.generate(input, greedy(16)).result().tokenIds());
            }
        }
        try (Engine e = Engine.start(model, config)) {
            List<GenerationStream> streams = e.generateAll(inputs, java.util.Collections.nCopies(inputs.size(), greedy(16)));
            for (int i = 0; i < inputs.size(); i++) {
                assertThat(streams.get(i).result().tokenIds()).as("request %d", i).containsExactly(alone.get(i));
            }
        }
    }

    @Test
    void requestsSubmittedTogetherStartInOneStepAndGiveTheirOwnResults() throws InterruptedException {
        List<int[]> expected = oneAtATime(EngineConfig.defaults().withCacheMaxEntryCount(64), 12);
        try (Engine e = Engine.start(model, EngineConfig.defaults().withCacheMaxEntryCount(64))) {
            List<int[]> inputs = new java.util.ArrayList<>();
            List<GenerationConfig> configs = new java.util.ArrayList<>();
            for (String p : PROMPTS) {
                inputs.add(ids(p));
                configs.add(greedy(12));
            }
            long stepsBefore = e.stats().steps();
            List<GenerationStream> streams = e.generateAll(inputs, configs);
            for (int i = 0; i < PROMPTS.length; i++) {
                assertThat(streams.get(i).result().tokenIds()).as(PROMPTS[i]).containsExactly(expected.get(i));
            }
            awaitIdle(e);
            // all prompts prefilled in the first step, then 11 decode steps together
            assertThat(e.stats().steps() - stepsBefore).isEqualTo(12);
            assertThatThrownBy(() -> e.generateAll(inputs, configs.subList(0, 1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("configs");
        }
    }

    @Test
    void aPoolThatHoldsOneSequenceStillCompletesEveryRequestCorrectly() throws InterruptedException {
        List<int[]> expected = oneAtATime(EngineConfig.defaults().withCacheMaxEntryCount(64), 40);
        // 16-token blocks, 4 blocks = 64 tokens: one prompt (≤ 8 tokens) + 40 new tokens needs 3
        EngineConfig tiny = EngineConfig.defaults().withCacheBlockSeqLen(16).withCacheMaxEntryCount(4).withSessionLen(64);
        try (Engine e = Engine.start(model, tiny)) {
            List<int[]> got = allAtOnce(e, 40);
            for (int i = 0; i < PROMPTS.length; i++) {
                assertThat(got.get(i)).as(PROMPTS[i]).containsExactly(expected.get(i));
            }
            awaitIdle(e);
            assertThat(e.stats().preemptions()).as("the pool forced preemptions").isPositive();
            e.checkInvariants();
            assertThat(e.stats().activeBlocks()).isZero();
        }
    }

    @Test
    void aSessionTurnPrefillsOnlyItsNewTokensAndMatchesTheWholeConversationAtOnce() throws InterruptedException {
        int[] first = ids("And God said, Let there be light:");
        int[] second = model.tokenizer().encode(" and there was", false);
        try (Engine e = Engine.start(model, EngineConfig.defaults().withCacheMaxEntryCount(64))) {
            GenerationResult r1 = e.submit(7, first, greedy(8), SubmitFlags.NEW_SESSION).result();
            awaitIdle(e);
            long computedBefore = e.stats().tokensComputed();
            GenerationResult r2 = e.submit(7, second, greedy(8), SubmitFlags.CONTINUE).result();
            awaitIdle(e);
            assertThat(r2.historyTokens()).isEqualTo(first.length + 8);
            assertThat(r2.promptTokens()).isEqualTo(second.length);
            // computed: the last answer token and the new tokens, then 7 decode steps — not the history
            assertThat(e.stats().tokensComputed() - computedBefore).isEqualTo(1 + second.length + 7);
            // The same conversation in one stateless request gives the same answer
            int[] whole = concat(first, r1.tokenIds(), second);
            GenerationResult once = e.generate(whole, greedy(8)).result();
            assertThat(r2.tokenIds()).containsExactly(once.tokenIds());
            e.endSession(7);
            e.checkInvariants();
            awaitIdle(e);
            assertThat(e.stats().freeBlocks()).isEqualTo(e.stats().totalBlocks());
        }
    }

    @Test
    void aTurnAtAStepDropsTheHistoryAfterItAndRecomputesOnlyTheCutBlocksTail() throws InterruptedException {
        int[] first = ids("And God said, Let there be light:");
        int[] second = model.tokenizer().encode(" and there was", false);
        try (Engine e = Engine.start(model, EngineConfig.defaults().withCacheMaxEntryCount(64).withCacheBlockSeqLen(4))) {
            GenerationResult r1 = e.submit(7, first, greedy(8), SubmitFlags.NEW_SESSION).result();
            awaitIdle(e);
            int cut = (first.length + 5) % 4 == 0 ? 6 : 5; // answer tokens kept
            int step = first.length + cut; // inside a block: that block's kept tokens are computed again
            long computedBefore = e.stats().tokensComputed();
            GenerationResult r2 = e.submit(7, second, greedy(6), SubmitFlags.continueAt(step)).result();
            awaitIdle(e);
            assertThat(r2.historyTokens()).isEqualTo(step);
            // the block holding the kept tail is this session's alone: kept, so only the new tokens are computed
            assertThat(e.stats().tokensComputed() - computedBefore).isEqualTo(second.length + 5);
            int[] kept = concat(first, Arrays.copyOf(r1.tokenIds(), cut), second);
            assertThat(r2.tokenIds()).containsExactly(e.generate(kept, greedy(6)).result().tokenIds());
            e.checkInvariants();

            assertThatThrownBy(() -> e.submit(7, second, greedy(2), SubmitFlags.continueAt(1000)).result())
                    .isInstanceOf(RequestRejectedException.class)
                    .hasMessage("step 1000 is past the end of session 7, which holds " + (step + second.length + 6) + " tokens");
            assertThatThrownBy(() -> new SubmitFlags(true, false, 3)).isInstanceOf(IllegalArgumentException.class);
            e.endSession(7);
            awaitIdle(e);
            e.checkInvariants();
            assertThat(e.stats().freeBlocks()).isEqualTo(e.stats().totalBlocks());
        }
        // With prefix caching a full prompt block is listed (it may be shared): a step inside it
        // releases it and computes its kept tokens again, never writing into it.
        try (Engine e = Engine.start(model, EngineConfig.defaults().withCacheMaxEntryCount(64).withCacheBlockSeqLen(4)
                .withEnablePrefixCaching(true))) {
            GenerationResult r1 = e.submit(7, first, greedy(8), SubmitFlags.NEW_SESSION).result();
            awaitIdle(e);
            long computedBefore = e.stats().tokensComputed();
            GenerationResult r2 = e.submit(7, second, greedy(6), SubmitFlags.continueAt(6)).result();
            awaitIdle(e);
            assertThat(e.stats().tokensComputed() - computedBefore).isEqualTo(6 % 4 + second.length + 5);
            assertThat(r2.tokenIds()).containsExactly(e.generate(concat(Arrays.copyOf(first, 6), second), greedy(6))
                    .result().tokenIds());
            assertThat(r1.tokenIds()).hasSize(8);
            // a one-shot request past the end of a kept session is refused and ends it, as other refusals do
            assertThatThrownBy(() -> e.submit(7, second, greedy(2), new SubmitFlags(false, true, 10_000)).result())
                    .isInstanceOf(RequestRejectedException.class);
            awaitIdle(e);
            assertThat(e.stats().sessions()).isZero();
            e.checkInvariants();
        }
    }

    /**
     * The template ends an answer with text the engine never generated (the demo model's
     * {@code " </s>"}): the next turn sends that text, then the new message, and computes only
     * them. Here the answer re-tokenizes as generated, so the context is exactly the whole
     * conversation's tokens, and the answer a stateless request of it gives.
     */
    @Test
    void aChatTurnSendsTheAnswersEndAsTheTemplateWritesItThenTheNewMessage() throws InterruptedException {
        ChatTemplate template = ChatTemplates.resolve(KJV, null);
        try (Engine e = Engine.start(model, EngineConfig.defaults().withCacheMaxEntryCount(64));
             ChatSession chat = new ChatSession(e, template, null, 50)) {
            GenerationResult r1 = chat.send("Who was Moses?", greedy(12), text -> { });
            awaitIdle(e);
            long computedBefore = e.stats().tokensComputed();
            GenerationResult r2 = chat.send("And his brother?", greedy(12), text -> { });
            awaitIdle(e);
            int[] whole = model.tokenizer().encode(template.render(List.of(ChatMessage.user("Who was Moses?"),
                    ChatMessage.assistant(r1.text()), ChatMessage.user("And his brother?")), true), false);
            assertThat(r2.historyTokens()).as("the first turn stays").isEqualTo(r1.promptTokens() + r1.completionTokens());
            assertThat(r2.historyTokens() + r2.promptTokens()).isEqualTo(whole.length);
            assertThat(e.stats().tokensComputed() - computedBefore).as("the last answer token, the new text, 11 decodes")
                    .isEqualTo(1 + r2.promptTokens() + 11);
            assertThat(r2.tokenIds()).containsExactly(e.generate(whole, greedy(12)).result().tokenIds());
        }
        // An answer ended by an end id, which the template writes itself (" </s>" here): the id is
        // dropped from the session before that text, rather than kept twice; nothing else is recomputed.
        int third;
        try (Engine e = Engine.start(model, EngineConfig.defaults().withCacheMaxEntryCount(64));
             ChatSession chat = new ChatSession(e, template, null, 60)) {
            third = chat.send("Who was Moses?", greedy(12), text -> { }).tokenIds()[2];
        }
        try (Engine e = Engine.start(model, EngineConfig.defaults().withCacheMaxEntryCount(64));
             ChatSession chat = new ChatSession(e, template, null, 70)) {
            GenerationResult r1 = chat.send("Who was Moses?", greedy(12).withStopTokenIds(List.of(third)), text -> { });
            assertThat(r1.tokenIds()).hasSize(3).endsWith(third);
            awaitIdle(e);
            long computedBefore = e.stats().tokensComputed();
            GenerationResult r2 = chat.send("And his brother?", greedy(4), text -> { });
            awaitIdle(e);
            assertThat(r2.historyTokens()).isEqualTo(r1.promptTokens() + r1.completionTokens() - 1);
            assertThat(e.stats().tokensComputed() - computedBefore).isEqualTo(r2.promptTokens() + 3);
        }
    }

    /**
     * A template that changes an earlier answer (as reasoning templates strip {@code <think>}):
     * the session's generated tokens no longer read as the conversation, so the turn is the whole
     * conversation tokenized, and the session keeps only the tokens it shares with it.
     */
    @Test
    void aTemplateThatRewritesEarlierAnswersGetsTheWholeConversation() throws InterruptedException {
        ChatTemplate kjv = ChatTemplates.resolve(KJV, null);
        ChatTemplate dropsFirstWord = new ChatTemplate() {
            @Override
            public String name() {
                return "drops an answer's first word";
            }

            @Override
            public String render(List<ChatMessage> messages, boolean generationPrompt) {
                return kjv.render(messages.stream().map(m -> m.role().equals("assistant") && m.content().strip().contains(" ")
                        ? ChatMessage.assistant(m.content().strip().substring(m.content().strip().indexOf(' ') + 1)) : m)
                        .toList(), generationPrompt);
            }
        };
        try (Engine e = Engine.start(model, EngineConfig.defaults().withCacheMaxEntryCount(64));
             ChatSession chat = new ChatSession(e, dropsFirstWord, null, 80)) {
            GenerationResult r1 = chat.send("Who was Moses?", greedy(12), text -> { });
            assertThat(r1.text().strip()).contains(" ");
            GenerationResult r2 = chat.send("And his brother?", greedy(8), text -> { });
            int[] whole = model.tokenizer().encode(dropsFirstWord.render(List.of(ChatMessage.user("Who was Moses?"),
                    ChatMessage.assistant(r1.text()), ChatMessage.user("And his brother?")), true), false);
            assertThat(r2.historyTokens()).isLessThan(r1.promptTokens() + r1.completionTokens());
            assertThat(r2.historyTokens() + r2.promptTokens()).isEqualTo(whole.length);
            assertThat(r2.tokenIds()).containsExactly(e.generate(whole, greedy(8)).result().tokenIds());
        }
    }

    @Test
    void aChatWhoseFirstTurnIsInterruptedGoesOnAndStillEndsItsSession() throws Exception {
        ChatTemplate template = ChatTemplates.resolve(KJV, null);
        try (Engine e = Engine.start(model, EngineConfig.defaults().withCacheMaxEntryCount(64))) {
            ChatSession chat = new ChatSession(e, template, null, 90);
            Thread turn = Thread.ofPlatform().start(() -> {
                try {
                    chat.send("Who was Moses?", greedy(500), text -> { });
                } catch (InterruptedException expected) {
                    // the interrupt this test sends
                }
            });
            while (e.stats().running() == 0) {
                Thread.sleep(2);
            }
            turn.interrupt();
            turn.join();
            awaitIdle(e); // the cancel takes effect at the engine's next step
            // the interrupted answer stays, as a cancelled one does, and the chat goes on
            GenerationResult next = chat.send("And his brother?", greedy(3), text -> { });
            assertThat(next.completionTokens()).isEqualTo(3);
            assertThat(next.historyTokens() + next.promptTokens()).isGreaterThan(model.tokenizer().encode(
                    template.render(List.of(ChatMessage.user("And his brother?")), true), false).length);
            chat.close();
            awaitIdle(e);
            assertThat(e.stats().sessions()).as("the session was ended, not leaked").isZero();
            e.checkInvariants();
        }
    }

    @Test
    void anEvictedSessionIsRecomputedTransparently() throws InterruptedException {
        int[] first = ids("And God said, Let there be light:");
        int[] second = model.tokenizer().encode(" and there was", false);
        int[] expected;
        try (Engine e = Engine.start(model, EngineConfig.defaults().withCacheMaxEntryCount(64))) {
            e.submit(1, first, greedy(8), SubmitFlags.NEW_SESSION).result();
            expected = e.submit(1, second, greedy(8), SubmitFlags.CONTINUE).result().tokenIds();
        }
        EngineConfig small = EngineConfig.defaults().withCacheBlockSeqLen(16).withCacheMaxEntryCount(4).withSessionLen(64);
        try (Engine e = Engine.start(model, small)) {
            e.submit(1, first, greedy(8), SubmitFlags.NEW_SESSION).result();
            awaitIdle(e);
            assertThat(e.stats().cachedBlocks()).as("the idle session keeps its blocks").isPositive();
            // Another session fills the pool: session 1's blocks get evicted
            e.generate(ids("Blessed is the man"), greedy(50)).result();
            GenerationResult again = e.submit(1, second, greedy(8), SubmitFlags.CONTINUE).result();
            assertThat(again.tokenIds()).containsExactly(expected);
            e.endSession(1);
            e.checkInvariants();
        }
    }

    @Test
    void prefixCachingComputesASharedPromptOnce() throws InterruptedException {
        String shared = "And the LORD spake unto Moses, saying, Speak unto the children of Israel, and say unto them,";
        try (Engine e = Engine.start(model, EngineConfig.defaults().withCacheBlockSeqLen(8).withCacheMaxEntryCount(64)
                .withEnablePrefixCaching(true))) {
            int[] a = ids(shared + " When a man");
            int[] b = ids(shared + " Ye shall");
            e.generate(a, greedy(4)).result();
            awaitIdle(e);
            long before = e.stats().tokensComputed();
            e.generate(b, greedy(4)).result();
            awaitIdle(e);
            long computed = e.stats().tokensComputed() - before;
            assertThat(e.stats().prefixHitTokens()).isGreaterThanOrEqualTo(16);
            assertThat(computed).isLessThan(b.length);
            e.checkInvariants();
        }
    }

    @Test
    void theTextContinuesThePromptWithTheSpaceItsFirstTokenCarries() throws InterruptedException {
        int[] prompt = ids("In the beginning");
        try (Engine e = Engine.start(model, EngineConfig.defaults().withCacheMaxEntryCount(64))) {
            GenerationResult r = e.generate(prompt, greedy(8)).result();
            int[] all = java.util.stream.IntStream.concat(java.util.Arrays.stream(prompt),
                    java.util.Arrays.stream(r.tokenIds())).toArray();
            assertThat(model.tokenizer().decode(prompt, true) + r.text()).isEqualTo(model.tokenizer().decode(all, true));
        }
    }

    @Test
    void cancelEndsWithAbortAndFreesTheBlocks() throws InterruptedException {
        try (Engine e = Engine.start(model, EngineConfig.defaults().withCacheMaxEntryCount(64))) {
            GenerationStream s = e.generate(ids("And it came to pass"), greedy(100_000).withMaxNewTokens(900));
            assertThat(s.next(30, TimeUnit.SECONDS)).isNotNull();
            s.cancel();
            GenerationResult r = s.result();
            assertThat(r.finishReason()).isEqualTo(FinishReason.ABORT);
            assertThat(r.completionTokens()).isLessThan(900);
            awaitIdle(e);
            e.checkInvariants();
            assertThat(e.stats().freeBlocks()).isEqualTo(e.stats().totalBlocks());
        }
    }

    @Test
    void badRequestsAreRefusedClearlyAndTheEngineKeepsServing() throws InterruptedException {
        try (Engine e = Engine.start(model, EngineConfig.defaults().withCacheMaxEntryCount(64).withSessionLen(64))) {
            int[] tooLong = new int[100];
            java.util.Arrays.fill(tooLong, 261);
            assertThatThrownBy(() -> e.generate(tooLong, greedy(4)).result()).isInstanceOf(RequestRejectedException.class)
                    .hasMessageContaining("needs 101 tokens of context (100 new, 1 to answer)")
                    .hasMessageContaining("session length is 64");
            assertThatThrownBy(() -> e.generate(new int[] {5000}, greedy(4)).result())
                    .hasMessageContaining("outside the vocabulary");
            GenerationStream running = e.submit(3, ids("And it came to pass"), greedy(500), SubmitFlags.NEW_SESSION);
            assertThatThrownBy(() -> e.submit(3, ids("Again"), greedy(4), SubmitFlags.CONTINUE).result())
                    .hasMessageContaining("session 3 already has a request running");
            running.cancel();
            assertThat(running.result().finishReason()).isEqualTo(FinishReason.ABORT);
            assertThat(e.generate(ids("Let there be light"), greedy(3)).result().completionTokens()).isEqualTo(3);
        }
    }

    @Test
    void nullArgumentsAreRefusedOnTheCallersThreadAndHurtNoOtherSession() throws InterruptedException {
        try (Engine e = Engine.start(model, EngineConfig.defaults().withCacheMaxEntryCount(64))) {
            int[] first = ids("And God said");
            e.submit(8, first, greedy(3), SubmitFlags.NEW_SESSION).result();
            GenerationStream other = e.generate(ids("In the beginning"), greedy(40));
            assertThatThrownBy(() -> e.submit(9, first, greedy(3), null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("flags must not be null; use SubmitFlags.STATELESS for a one-off request");
            assertThatThrownBy(() -> e.submit(9, first, null, SubmitFlags.STATELESS))
                    .hasMessageStartingWith("config must not be null");
            assertThatThrownBy(() -> e.generate(null, greedy(3))).hasMessage("inputIds must not be null");
            assertThat(other.result().finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(e.submit(8, ids("unto"), greedy(2), SubmitFlags.CONTINUE).result().historyTokens())
                    .isEqualTo(first.length + 3);
        }
    }

    @Test
    void continuingASessionTheEngineDoesNotHoldIsRefusedAndAChatStartsItOver() throws InterruptedException {
        try (Engine e = Engine.start(model, EngineConfig.defaults().withCacheMaxEntryCount(64))) {
            assertThatThrownBy(() -> e.submit(99, ids("And"), greedy(2), SubmitFlags.CONTINUE).result())
                    .isInstanceOf(UnknownSessionException.class)
                    .hasMessage("session 99 has no history to continue (it was ended, or never started); submit the "
                            + "whole conversation with SubmitFlags.NEW_SESSION");
            ChatTemplate template = ChatTemplates.resolve(KJV, null);
            try (ChatSession chat = new ChatSession(e, template, null, 40)) {
                GenerationResult r1 = chat.send("Who was Moses?", greedy(6), text -> { });
                e.endSession(chat.sessionId()); // someone else ends the chat's session
                GenerationResult r2 = chat.send("And his brother?", greedy(6), text -> { });
                // the second turn starts over from the whole conversation, not from nothing
                assertThat(r2.historyTokens()).isZero();
                String whole = template.render(List.of(ChatMessage.user("Who was Moses?"), ChatMessage.assistant(r1.text()),
                        ChatMessage.user("And his brother?")), true);
                assertThat(r2.promptTokens()).isEqualTo(model.tokenizer().encode(whole, false).length);
                assertThat(chat.usedTokens()).isEqualTo(r2.promptTokens() + 6);
            }
        }
    }

    @Test
    void aClosedEngineRefusesWorkAtOnceAndConcurrentClosesWaitForTheLastStep() throws Exception {
        Engine e = Engine.start(model, EngineConfig.defaults().withCacheMaxEntryCount(64));
        List<GenerationStream> running = new ArrayList<>();
        for (String p : PROMPTS) {
            running.add(e.generate(ids(p), greedy(500)));
        }
        while (e.stats().running() == 0) {
            Thread.sleep(2);
        }
        int[] runningAfterClose = new int[2];
        Thread[] closers = new Thread[2];
        for (int i = 0; i < 2; i++) {
            int k = i;
            closers[i] = Thread.ofPlatform().start(() -> {
                e.close();
                runningAfterClose[k] = e.stats().running() + e.stats().activeBlocks();
            });
        }
        for (Thread t : closers) {
            t.join(20_000);
            assertThat(t.isAlive()).isFalse();
        }
        // neither close returned while the engine thread still had requests in flight
        assertThat(runningAfterClose).containsExactly(0, 0);
        for (GenerationStream s : running) {
            assertThat(s.result().finishReason()).isEqualTo(FinishReason.ABORT);
        }
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () -> {
            assertThatThrownBy(() -> e.perplexity(ids("In the beginning God created"))).isInstanceOf(IllegalStateException.class)
                    .hasMessage("the engine is shut down");
            assertThatThrownBy(e::checkInvariants).hasMessage("the engine is shut down");
            assertThatThrownBy(() -> e.generate(ids("Amen"), greedy(2)).result()).hasMessage("the engine is shut down");
            e.cancel(1);
            e.endSession(1);
        });
    }

    @Test
    void randomizedWorkloadKeepsTheBlockAccountingExact() throws InterruptedException {
        java.util.Random rnd = new java.util.Random(42);
        EngineConfig c = EngineConfig.defaults().withCacheBlockSeqLen(8).withCacheMaxEntryCount(24).withSessionLen(96)
                .withMaxBatchSize(4).withMaxPrefillTokenNum(16).withEnablePrefixCaching(true);
        try (Engine e = Engine.start(model, c)) {
            List<GenerationStream> live = new ArrayList<>();
            boolean[] started = new boolean[6];
            for (int round = 0; round < 60; round++) {
                int session = rnd.nextInt(6);
                switch (rnd.nextInt(5)) {
                    case 0, 1 -> {
                        int kind = rnd.nextInt(4);
                        // continueAt drops history, and blocks the prefix cache may share (a step past the end is refused)
                        SubmitFlags flags = !started[session] || kind == 0 ? SubmitFlags.NEW_SESSION
                                : kind == 1 ? SubmitFlags.continueAt(rnd.nextInt(40)) : SubmitFlags.CONTINUE;
                        started[session] = true;
                        live.add(e.submit(session, ids(PROMPTS[rnd.nextInt(PROMPTS.length)]), greedy(1 + rnd.nextInt(20)), flags));
                    }
                    case 2 -> live.add(e.generate(ids(PROMPTS[rnd.nextInt(PROMPTS.length)]), greedy(1 + rnd.nextInt(30))));
                    case 3 -> e.cancel(session);
                    default -> {
                        e.endSession(session);
                        started[session] = false;
                    }
                }
                if (round % 5 == 0) {
                    e.checkInvariants();
                }
            }
            for (GenerationStream s : live) {
                try {
                    s.result();
                } catch (RequestRejectedException expectedSometimes) {
                    // a busy session refuses a second request; that is part of the workload
                }
            }
            for (int session = 0; session < 6; session++) {
                e.endSession(session);
            }
            awaitIdle(e);
            e.checkInvariants();
            EngineStats st = e.stats();
            assertThat(st.activeBlocks()).isZero();
            assertThat(st.sessions()).isZero();
            // with prefix caching, only listed prefix blocks may stay cached
            assertThat(st.freeBlocks() + st.cachedBlocks()).isEqualTo(st.totalBlocks());
        }
    }

    @Test
    void logprobsAndMinNewTokensFlowThroughTheStream() throws InterruptedException {
        try (Engine e = Engine.start(model, EngineConfig.defaults().withSessionLen(256))) {
            GenerationConfig c = greedy(6).withLogprobs(2);
            GenerationStream s = e.generate(ids(PROMPTS[0]), c);
            List<Integer> streamedIds = new ArrayList<>();
            List<Integer> streamedLogprobIds = new ArrayList<>();
            for (EngineOutput out : s) {
                for (int id : out.tokenIds()) {
                    streamedIds.add(id);
                }
                out.logprobs().forEach(lp -> streamedLogprobIds.add(lp.id()));
            }
            GenerationResult r = s.result();
            assertThat(streamedLogprobIds).isEqualTo(streamedIds);
            assertThat(r.logprobs()).hasSize(r.tokenIds().length);
            // greedy: the chosen id is the most likely one
            r.logprobs().forEach(lp -> {
                assertThat(lp.topIds()).hasSize(2);
                assertThat(lp.topIds()[0]).isEqualTo(lp.id());
                assertThat(lp.logprob()).isLessThanOrEqualTo(0f);
            });
            assertThat(e.generate(ids(PROMPTS[0]), greedy(6)).result().logprobs()).isEmpty();
            // an EOS-only bias would end at once; min_new_tokens holds it off
            int eos = model.eosIds().getFirst();
            GenerationConfig eager = GenerationConfig.greedy().withMaxNewTokens(8)
                    .withLogitBias(java.util.Map.of(eos, 100f));
            assertThat(e.generate(ids(PROMPTS[1]), eager).result().tokenIds()).hasSize(1);
            GenerationResult held = e.generate(ids(PROMPTS[1]), eager.withMinNewTokens(5)).result();
            assertThat(held.tokenIds()).hasSize(6);
            assertThat(held.tokenIds()[5]).isEqualTo(eos);
            assertThat(held.finishReason()).isEqualTo(FinishReason.STOP);
        }
    }

    static void awaitIdle(Engine e) throws InterruptedException {
        for (int i = 0; i < 500 && (e.stats().running() > 0 || e.stats().waiting() > 0); i++) {
            Thread.sleep(10);
        }
        e.checkInvariants(); // a round trip through the engine thread: earlier commands are done
    }

    static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int o = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }
}
