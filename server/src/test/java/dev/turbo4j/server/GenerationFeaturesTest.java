package dev.turbo4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** n > 1, logprobs, penalties, logit_bias, echo, token-id prompts: each visibly changes the reply. */
class GenerationFeaturesTest {
    static TestServer ts;

    @BeforeAll
    static void start() {
        ts = TestServer.start();
    }

    @AfterAll
    static void stop() {
        ts.close();
    }

    static JsonNode ok(String path, String body) throws Exception {
        HttpResponse<String> r = ts.post(path, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return TestServer.json(r.body());
    }

    static String chatText(String extra) throws Exception {
        return ok("/v1/chat/completions", "{\"messages\": \"And the LORD said unto Moses\", \"max_tokens\": 40, "
                + "\"temperature\": 0, \"ignore_eos\": true" + extra + "}")
                .get("choices").get(0).get("message").get("content").asText();
    }

    @Test
    void nFansOutIntoDistinctChoices() throws Exception {
        JsonNode r = ok("/v1/chat/completions", """
                {"messages": "In the beginning", "n": 4, "max_tokens": 12, "temperature": 1.0, "seed": 3,
                 "ignore_eos": true}""");
        JsonNode choices = r.get("choices");
        assertThat(choices).hasSize(4);
        Set<String> texts = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            assertThat(choices.get(i).get("index").asInt()).isEqualTo(i);
            texts.add(choices.get(i).get("message").get("content").asText());
        }
        assertThat(texts).hasSizeGreaterThan(1); // sampled separately, not one answer copied
        assertThat(r.get("usage").get("completion_tokens").asInt()).isEqualTo(4 * 12);
        // the same seed reproduces the request
        JsonNode again = ok("/v1/chat/completions", """
                {"messages": "In the beginning", "n": 4, "max_tokens": 12, "temperature": 1.0, "seed": 3,
                 "ignore_eos": true}""");
        assertThat(again.get("choices")).isEqualTo(choices);
        // streamed, every index shows up with its own finish
        HttpResponse<String> s = ts.post("/v1/completions", """
                {"prompt": ["Amen", "Selah"], "n": 2, "max_tokens": 5, "stream": true, "ignore_eos": true}""");
        Set<Integer> finished = new HashSet<>();
        for (String e : StreamingTest.events(s.body())) {
            JsonNode c = TestServer.json(e).get("choices").get(0);
            if (!c.get("finish_reason").isNull()) {
                finished.add(c.get("index").asInt());
            }
        }
        assertThat(finished).containsExactlyInAnyOrder(0, 1, 2, 3);
    }

    @Test
    void chatLogprobsListEveryTokenWithAlternatives() throws Exception {
        JsonNode r = ok("/v1/chat/completions", """
                {"messages": "Blessed is the man", "max_tokens": 6, "temperature": 0, "ignore_eos": true,
                 "logprobs": true, "top_logprobs": 3}""");
        JsonNode content = r.get("choices").get(0).get("logprobs").get("content");
        assertThat(content).hasSize(r.get("usage").get("completion_tokens").asInt());
        StringBuilder joined = new StringBuilder();
        for (JsonNode t : content) {
            assertThat(t.get("logprob").asDouble()).isLessThanOrEqualTo(0);
            assertThat(t.get("top_logprobs")).hasSize(3);
            // greedy: the chosen token is the most likely one
            assertThat(t.get("top_logprobs").get(0).get("token").asText()).isEqualTo(t.get("token").asText());
            assertThat(t.get("bytes").isArray()).isTrue();
            joined.append(t.get("token").asText());
        }
        assertThat(joined.toString().strip())
                .isEqualTo(r.get("choices").get(0).get("message").get("content").asText().strip());
        JsonNode without = ok("/v1/chat/completions", "{\"messages\": \"hi\", \"max_tokens\": 2}");
        assertThat(without.get("choices").get(0).get("logprobs").isNull()).isTrue();
    }

    @Test
    void completionLogprobsAreParallelLists() throws Exception {
        JsonNode lp = ok("/v1/completions", """
                {"prompt": "And God said", "max_tokens": 5, "temperature": 0, "ignore_eos": true, "logprobs": 2}""")
                .get("choices").get(0).get("logprobs");
        assertThat(lp.get("tokens")).hasSize(5);
        assertThat(lp.get("token_logprobs")).hasSize(5);
        assertThat(lp.get("top_logprobs")).hasSize(5);
        assertThat(lp.get("top_logprobs").get(0).size()).isBetween(1, 2);
        assertThat(lp.get("text_offset").get(0).asInt()).isZero();
    }

    @Test
    void penaltiesAndLogitBiasChangeTheOutput() throws Exception {
        String plain = chatText("");
        assertThat(chatText("")).isEqualTo(plain); // greedy is deterministic
        assertThat(chatText(", \"presence_penalty\": 2")).isNotEqualTo(plain);
        assertThat(chatText(", \"frequency_penalty\": 2")).isNotEqualTo(plain);
        // bias every token of the plain answer away: it cannot come out again (the answer reads
        // with the leading space its first piece has after "[/INST]"; encode adds that itself)
        int firstId = ts.engine.tokenizer().encode(plain.stripLeading(), false)[0];
        String biased = chatText(", \"logit_bias\": {\"" + firstId + "\": -100}");
        assertThat(ts.engine.tokenizer().encode(biased.stripLeading(), false)[0]).isNotEqualTo(firstId);
        // min_new_tokens holds EOS off
        JsonNode eager = ok("/v1/completions", "{\"prompt\": \"Amen\", \"max_tokens\": 6, \"temperature\": 0, "
                + "\"logit_bias\": {\"2\": 100}}");
        assertThat(eager.get("usage").get("completion_tokens").asInt()).isEqualTo(1);
        JsonNode held = ok("/v1/completions", "{\"prompt\": \"Amen\", \"max_tokens\": 6, \"temperature\": 0, "
                + "\"logit_bias\": {\"2\": 100}, \"min_new_tokens\": 4}");
        assertThat(held.get("usage").get("completion_tokens").asInt()).isEqualTo(5);
        assertThat(held.get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void completionsTakeTokenIdsStringListsAndEcho() throws Exception {
        int[] ids = ts.engine.tokenizer().encode("And God said", true);
        StringBuilder list = new StringBuilder();
        for (int id : ids) {
            list.append(list.isEmpty() ? "" : ",").append(id);
        }
        JsonNode byIds = ok("/v1/completions", "{\"prompt\": [" + list + "], \"max_tokens\": 5, \"temperature\": 0}");
        JsonNode byText = ok("/v1/completions", "{\"prompt\": \"And God said\", \"max_tokens\": 5, \"temperature\": 0}");
        assertThat(byIds.get("choices").get(0).get("text")).isEqualTo(byText.get("choices").get(0).get("text"));
        assertThat(byIds.get("usage").get("prompt_tokens").asInt()).isEqualTo(ids.length);
        JsonNode two = ok("/v1/completions", "{\"prompt\": [\"Amen\", \"Selah\"], \"max_tokens\": 3}");
        assertThat(two.get("choices")).hasSize(2);
        JsonNode echo = ok("/v1/completions", "{\"prompt\": \"And God said\", \"max_tokens\": 5, \"temperature\": 0, "
                + "\"echo\": true}");
        assertThat(echo.get("choices").get(0).get("text").asText())
                .isEqualTo("And God said" + byText.get("choices").get(0).get("text").asText());
        // stop strings end the text before them
        String full = byText.get("choices").get(0).get("text").asText();
        String word = full.strip().split(" ")[0];
        if (!word.isEmpty()) {
            JsonNode stopped = ok("/v1/completions", "{\"prompt\": \"And God said\", \"max_tokens\": 5, "
                    + "\"temperature\": 0, \"stop\": [\"" + word + "\"]}");
            assertThat(stopped.get("choices").get(0).get("text").asText()).doesNotContain(word);
            assertThat(stopped.get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
        }
    }

    @Test
    void vllmClientsConventionsAreHonoured() throws Exception {
        // /v1/completions without max_tokens: 16 tokens, as OpenAI and vLLM (not the whole context)
        JsonNode dflt = ok("/v1/completions", "{\"prompt\": \"In the beginning\", \"ignore_eos\": true}");
        assertThat(dflt.get("usage").get("completion_tokens").asInt()).isEqualTo(16);
        // stop_token_ids: the generation ends at that id, finish_reason stop
        int thirdId = ts.engine.generate(ts.model.tokenizer().encode("In the beginning", true),
                ts.model.defaults().withTemperature(0f).withMaxNewTokens(10).withIgnoreEos(true)).result().tokenIds()[2];
        JsonNode stopped = ok("/v1/completions", """
                {"prompt": "In the beginning", "max_tokens": 10, "temperature": 0, "stop_token_ids": [%d]}""".formatted(thirdId));
        assertThat(stopped.get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
        assertThat(stopped.get("usage").get("completion_tokens").asInt()).isEqualTo(3);
        HttpResponse<String> outside = ts.post("/v1/chat/completions", "{\"messages\": \"x\", \"stop_token_ids\": [99999]}");
        assertThat(outside.statusCode()).isEqualTo(400);
        assertThat(outside.body()).contains("stop_token_ids 99999 is not a token id of this model");
        // top_k -1 means off; top_logprobs 0 without logprobs is the default clients send
        ok("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 2, \"top_k\": -1}");
        ok("/v1/chat/completions", "{\"messages\": \"x\", \"max_tokens\": 2, \"logprobs\": false, \"top_logprobs\": 0}");
    }

    @Test
    void completionTopLogprobsAlwaysHoldTheSampledToken() throws Exception {
        JsonNode lp = ok("/v1/completions", """
                {"prompt": "In the beginning", "max_tokens": 12, "temperature": 1.5, "seed": 3, "logprobs": 1,
                 "ignore_eos": true}""").get("choices").get(0).get("logprobs");
        for (int i = 0; i < 12; i++) {
            String token = lp.get("tokens").get(i).asText();
            JsonNode top = lp.get("top_logprobs").get(i);
            assertThat(top.size()).isBetween(1, 2);
            assertThat(top.has(token)).as("position %d: %s in %s", i, token, top).isTrue();
            assertThat(top.get(token).floatValue()).isEqualTo(lp.get("token_logprobs").get(i).floatValue());
        }
        JsonNode zero = ok("/v1/completions", """
                {"prompt": "In the beginning", "max_tokens": 3, "temperature": 0, "logprobs": 0}""").get("choices").get(0);
        assertThat(zero.get("logprobs").get("top_logprobs").get(0).size()).isEqualTo(1);
    }

    @Test
    void aPromptsSampleDoesNotDependOnItsPlaceInTheList() throws Exception {
        JsonNode r = ok("/v1/completions", """
                {"prompt": ["In the beginning", "In the beginning"], "max_tokens": 12, "temperature": 1.0, "seed": 7,
                 "ignore_eos": true}""");
        assertThat(r.get("choices").get(1).get("text")).isEqualTo(r.get("choices").get(0).get("text"));
    }

    @Test
    void echoWithLogprobsScoresThePromptAsPerplexityDoes() throws Exception {
        // What evaluation harnesses send: the prompt's own log-likelihood, max_tokens 0.
        String prompt = "And God said, Let there be light: and there was light.";
        JsonNode choice = ok("/v1/completions", """
                {"prompt": "%s", "max_tokens": 0, "echo": true, "logprobs": 2}""".formatted(prompt)).get("choices").get(0);
        int[] ids = ts.model.tokenizer().encode(prompt, true);
        JsonNode lp = choice.get("logprobs");
        assertThat(choice.get("finish_reason").asText()).isEqualTo("length");
        assertThat(lp.get("tokens")).hasSize(ids.length);
        assertThat(lp.get("token_logprobs").get(0).isNull()).isTrue();
        assertThat(lp.get("top_logprobs").get(0).isNull()).isTrue();
        double nll = 0;
        for (int i = 1; i < ids.length; i++) {
            double l = lp.get("token_logprobs").get(i).asDouble();
            assertThat(l).isNegative();
            assertThat(lp.get("top_logprobs").get(i).get(lp.get("tokens").get(i).asText()).asDouble()).isEqualTo(l);
            nll -= l;
        }
        double ppl = ts.engine.perplexity(ids);
        assertThat(Math.exp(nll / (ids.length - 1))).isCloseTo(ppl, org.assertj.core.api.Assertions.within(ppl * 1e-3));

        // A prompt only scored may fill the whole context; with an answer it needs room for one more token.
        int len = ts.engine.sessionLen();
        int[] words = ts.model.tokenizer().encode((prompt + " ").repeat(len / 8), true);
        String full = java.util.Arrays.toString(java.util.Arrays.copyOf(words, len));
        assertThat(ok("/v1/completions", """
                {"prompt": %s, "max_tokens": 0, "echo": true, "logprobs": 1}""".formatted(full))
                .get("choices").get(0).get("logprobs").get("tokens")).hasSize(len);
        HttpResponse<String> answered = ts.post("/v1/completions", """
                {"prompt": %s, "max_tokens": 1, "echo": true}""".formatted(full));
        assertThat(answered.statusCode()).isEqualTo(400);
        assertThat(answered.body()).contains("tokens including the answer");

        // with generation: the prompt's entries, then the generated tokens', offsets running on
        JsonNode both = ok("/v1/completions", """
                {"prompt": "%s", "max_tokens": 4, "temperature": 0, "echo": true, "logprobs": 1, "ignore_eos": true}"""
                .formatted(prompt)).get("choices").get(0).get("logprobs");
        assertThat(both.get("tokens")).hasSize(ids.length + 4);
        assertThat(both.get("token_logprobs").get(1).asDouble()).isEqualTo(lp.get("token_logprobs").get(1).asDouble());
        String text = ok("/v1/completions", """
                {"prompt": "%s", "max_tokens": 4, "temperature": 0, "echo": true, "ignore_eos": true}"""
                .formatted(prompt)).get("choices").get(0).get("text").asText();
        // each token's text sits at its offset in the choice's text (after the first word, which
        // SentencePiece decodes without its leading space)
        for (int i = 2; i < ids.length + 4; i++) {
            String token = both.get("tokens").get(i).asText();
            int at = both.get("text_offset").get(i).asInt();
            assertThat(text.substring(at, at + token.length())).as("token %d", i).isEqualTo(token);
        }
        // streamed: the echo chunk carries the prompt's logprobs
        HttpResponse<String> streamed = ts.post("/v1/completions", """
                {"prompt": "%s", "max_tokens": 2, "echo": true, "logprobs": 1, "stream": true}""".formatted(prompt));
        String first = streamed.body().lines().filter(l -> l.startsWith("data: {")).findFirst().orElseThrow();
        JsonNode firstLp = TestServer.json(first.substring("data: ".length())).get("choices").get(0).get("logprobs");
        assertThat(firstLp.get("tokens")).hasSize(ids.length);
        assertThat(firstLp.get("token_logprobs").get(0).isNull()).isTrue();
    }
}
