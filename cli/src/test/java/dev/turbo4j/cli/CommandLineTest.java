package dev.turbo4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The turbo4j command as a user runs it, on the bundled demo model. */
class CommandLineTest {
    static final String MODEL = "../models/kjv-llama-tiny";
    static final Path GOLDEN = Path.of("../core/src/test/resources/golden/kjv-llama-tiny");
    final ObjectMapper json = new ObjectMapper();

    record Result(int exit, String out, String err) {
    }

    static Result run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void generateJsonReproducesTheGoldenGreedyContinuation() throws IOException {
        JsonNode golden = json.readTree(GOLDEN.resolve("greedy.json").toFile()).get("prompts").get(0);
        Result r = run("generate", MODEL, "--prompt", golden.get("text").asText(), "--temperature", "0",
                "--max-new-tokens", "32", "--ignore-eos", "--json", "--threads", "2");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode out = json.readTree(r.out());
        assertThat(out.get("token_ids")).isEqualTo(golden.get("output_ids"));
        // the continuation reads as it does after the prompt: its first piece keeps its space
        assertThat(golden.get("text").asText() + out.get("text").asText()).isEqualTo(golden.get("full_text").asText());
        assertThat(out.get("prompt_tokens").asInt()).isEqualTo(golden.get("ids").size());
        assertThat(out.get("completion_tokens").asInt()).isEqualTo(32);
        assertThat(out.get("finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void generateStopsAtAStopStringAndExcludesIt() throws IOException {
        Result r = run("generate", MODEL, "--prompt", "In the beginning God created", "--temperature", "0",
                "--max-new-tokens", "32", "--stop", "Moses", "--json");
        JsonNode out = json.readTree(r.out());
        assertThat(out.get("text").asText()).isEqualTo(" them.\nAnd the LORD said unto ");
        assertThat(out.get("finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void sameSeedSameTextDifferentSeedDifferentText() throws IOException {
        String[] base = {"generate", MODEL, "--prompt", "And it came to pass", "--temperature", "1.0",
                "--max-new-tokens", "24", "--json", "--seed"};
        String a = json.readTree(run(concat(base, "5")).out()).get("text").asText();
        String b = json.readTree(run(concat(base, "5")).out()).get("text").asText();
        String c = json.readTree(run(concat(base, "6")).out()).get("text").asText();
        assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }

    @Test
    void chatFlagAppliesTheTemplate() throws IOException {
        Result r = run("generate", MODEL, "--prompt", "Who is the LORD?", "--chat", "--temperature", "0",
                "--max-new-tokens", "4", "--json");
        // "<s>[INST] Who is the LORD? [/INST]" is the golden 5th logits prompt (13 ids)
        assertThat(json.readTree(r.out()).get("prompt_tokens").asInt()).isEqualTo(
                json.readTree(GOLDEN.resolve("logits.json").toFile()).get("prompts").get(4).get("ids").size());
    }

    /** Runs {@code turbo4j chat ...} with {@code typed} as the user's input. */
    static Result chat(String typed, String... args) {
        CommandLine cl = Main.commandLine();
        ChatCommand chat = cl.getSubcommands().get("chat").getCommand();
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        chat.input = new ByteArrayInputStream(typed.getBytes(StandardCharsets.UTF_8));
        chat.output = terminal;
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("chat"));
        all.addAll(List.of(args));
        int exit = cl.execute(all.toArray(String[]::new));
        return new Result(exit, terminal.toString(StandardCharsets.UTF_8), err.toString());
    }

    @Test
    void chatStreamsEachAnswerFromItsFirstVisibleCharacterAndKeepsTheConversation() throws IOException {
        String prompt = "And God said";
        String alone = json.readTree(run("generate", MODEL, "--prompt", prompt, "--chat", "--temperature", "0",
                "--max-new-tokens", "8", "--ignore-eos", "--json").out()).get("text").asText();
        assertThat(alone).startsWith(" "); // the first word carries its space after [/INST]
        Result r = chat(prompt + "\nAnd then?\nreset\n" + prompt + "\n", MODEL, "--temperature", "0",
                "--max-new-tokens", "8", "--ignore-eos");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("turbo4j chat — kjv-llama-tiny");
        // the first turn, and the same turn after reset, show the answer alone, without its space
        assertThat(r.out().split(Pattern.quote("\n>>> " + alone.strip() + "\n[19 prompt tokens, 8 tokens, "), -1))
                .hasSize(3);
        assertThat(r.out()).contains("(new conversation)");
        assertThat(r.out()).endsWith(">>> " + System.lineSeparator()); // the shell's prompt starts on a line of its own
        // the second turn sent only its own tokens: its prompt is not the whole conversation
        Matcher turns = Pattern.compile("\\[(\\d+) prompt tokens, 8 tokens").matcher(r.out());
        List<Integer> prompts = new ArrayList<>();
        while (turns.find()) {
            prompts.add(Integer.parseInt(turns.group(1)));
        }
        assertThat(prompts).hasSize(3);
        assertThat(prompts.get(1)).isLessThan(19 + 8);
    }

    @Test
    void aTemplateRefusingTheConversationIsAnErrorMessageAndTheChatGoesOn(@TempDir Path tmp) throws IOException {
        Path template = Files.writeString(tmp.resolve("strict.jinja"), "{% for m in messages %}"
                + "{% if 'forbidden' in m.content %}{{ raise_exception('no forbidden words, please') }}{% endif %}"
                + "[{{ m.role }}]{{ m.content }}{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}");
        Result refused = run("generate", MODEL, "--chat", "--chat-template", template.toString(), "--prompt", "a forbidden word");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).isEqualTo("turbo4j: no forbidden words, please\n");

        int alone = json.readTree(run("generate", MODEL, "--chat", "--chat-template", template.toString(), "--prompt", "hello",
                "--max-new-tokens", "2", "--json").out()).get("prompt_tokens").asInt();
        Result r = chat("a forbidden word\nhello\n", MODEL, "--chat-template", template.toString(), "--max-new-tokens", "2");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("turbo4j: no forbidden words, please").doesNotContain("Exception");
        // the refused message did not stay in the conversation
        assertThat(r.out()).contains("[" + alone + " prompt tokens, ");
    }

    @Test
    void pplReproducesTheGoldenPerplexity() throws IOException {
        JsonNode golden = json.readTree(GOLDEN.resolve("ppl.json").toFile());
        Result r = run("ppl", MODEL, "--file", GOLDEN.resolve("eval.txt").toString(), "--ctx", "256",
                "--max-tokens", "8192", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode out = json.readTree(r.out());
        double expected = golden.get("bos_per_chunk").get("ppl").asDouble();
        assertThat(out.get("ppl").asDouble()).isCloseTo(expected, within(expected * 1e-3));
        assertThat(out.get("tokens").asInt()).isEqualTo(8192);
        assertThat(out.get("windows").asInt()).isEqualTo(32);
    }

    @Test
    void pplOfATextWithTooFewTokensIsAnErrorNotNaN(@TempDir Path tmp) throws IOException {
        Path empty = Files.writeString(tmp.resolve("empty.txt"), "");
        Result r = run("ppl", MODEL, "--file", empty.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).doesNotContain("NaN");
        assertThat(r.err().strip()).isEqualTo("turbo4j: " + empty + ": 0 tokens, too few for a perplexity (at least 1)");
        Path one = tmp.resolve("one.json");
        Files.writeString(one, "[262]");
        Result noBos = run("ppl", MODEL, "--ids-file", one.toString(), "--no-bos");
        assertThat(noBos.exit()).isEqualTo(1);
        assertThat(noBos.err()).contains("1 tokens, too few for a perplexity (at least 2 without BOS)");
    }

    @Test
    void pplTakesIdsAndNoBos(@TempDir Path tmp) throws IOException {
        JsonNode golden = json.readTree(GOLDEN.resolve("ppl.json").toFile());
        Path ids = tmp.resolve("ids.json");
        // the first 4 windows only, to keep the test short
        json.writeValue(ids.toFile(), json.createObjectNode().set("ids", golden.get("ids")));
        Result r = run("ppl", MODEL, "--ids-file", ids.toString(), "--max-tokens", "1024", "--no-bos", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode out = json.readTree(r.out());
        JsonNode chunks = golden.get("no_bos").get("chunk_nll_sums");
        double nll = 0;
        for (int i = 0; i < 4; i++) {
            nll += chunks.get(i).asDouble();
        }
        double expected = Math.exp(nll / (4 * 255));
        assertThat(out.get("tokens").asInt()).isEqualTo(4 * 255);
        assertThat(out.get("ppl").asDouble()).isCloseTo(expected, within(expected * 1e-3));
        // Without BOS a window may fill all 1024 positions; with one, it needs 1025.
        Result full = run("ppl", MODEL, "--ids-file", ids.toString(), "--max-tokens", "1024", "--ctx", "1024", "--no-bos");
        assertThat(full.exit()).as(full.err()).isZero();
        Result bos = run("ppl", MODEL, "--ids-file", ids.toString(), "--ctx", "1024");
        assertThat(bos.exit()).isEqualTo(1);
        assertThat(bos.err()).contains("--ctx 1024 and a BOS need 1025 positions; the model has 1024 (pass a smaller --ctx, or --no-bos)");
    }

    @Test
    void tokenizeTextAndJsonl(@TempDir Path tmp) throws IOException {
        Result r = run("tokenize", MODEL, "--text", "In the beginning");
        assertThat(r.out().strip()).isEqualTo("{\"ids\":[1026,261,1924,1288]}");
        assertThat(run("tokenize", MODEL, "--text", "In the beginning", "--special").out().strip())
                .isEqualTo("{\"ids\":[1,1026,261,1924,1288]}");
        Path in = tmp.resolve("in.jsonl");
        Files.writeString(in, "{\"text\": \"In the beginning\"}\n{\"text\": \"\"}\n{\"text\": \"God\"}\n");
        // a folder with only tokenizer files works too
        Path tokOnly = tmp.resolve("tok");
        Files.createDirectories(tokOnly);
        for (String f : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
            Files.copy(Path.of(MODEL, f), tokOnly.resolve(f));
        }
        Result lines = run("tokenize", tokOnly.toString(), "--file", in.toString());
        assertThat(lines.exit()).as(lines.err()).isZero();
        assertThat(lines.out().strip().split("\n")).containsExactly("{\"ids\":[1026,261,1924,1288]}", "{\"ids\":[]}",
                "{\"ids\":[400]}");
    }

    @Test
    void listAndCheckEnv() {
        Result list = run("list");
        assertThat(list.out()).contains("LlamaForCausalLM", "Qwen2ForCausalLM", "InternLM2ForCausalLM", "llama3", "chatml");
        Result env = run("check_env");
        assertThat(env.out()).contains("java", "vector", "cores");
    }

    @Test
    void badInputGivesOneClearLineAndANonZeroExit() {
        Result missing = run("generate", "/no/such/model", "--prompt", "x");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err().strip()).isEqualTo("turbo4j: /no/such/model: model folder not found (give the path of a Hugging Face model folder)");
        Result empty = run("generate", "", "--prompt", "x"); // an unset $MODEL: not the demo model in silence
        assertThat(empty.exit()).isEqualTo(1);
        assertThat(empty.err()).startsWith("turbo4j: the model path is empty");
        Result file = run("generate", MODEL + "/model.safetensors", "--prompt", "x");
        assertThat(file.exit()).isEqualTo(1);
        assertThat(file.err().strip()).endsWith("model.safetensors: is a file; give the model's folder (" + MODEL + ")");
        Result flag = run("generate", MODEL, "--prompt", "x", "--frobnicate");
        assertThat(flag.exit()).isEqualTo(2);
        assertThat(flag.err()).startsWith("turbo4j: Unknown option: '--frobnicate'").contains("--help");
        Result range = run("generate", MODEL, "--prompt", "x", "--top-p", "1.5");
        assertThat(range.exit()).isEqualTo(1);
        assertThat(range.err()).contains("top-p must be in (0, 1]").doesNotContain("Exception");
        Result stopId = run("generate", MODEL, "--prompt", "x", "--stop-token-ids", "2,2048");
        assertThat(stopId.exit()).isEqualTo(1);
        assertThat(stopId.err().strip())
                .isEqualTo("turbo4j: --stop-token-ids 2048 is not a token id of this model; its ids are 0 to 2047");
        Result noInput = run("ppl", MODEL);
        assertThat(noInput.exit()).isEqualTo(2);
        assertThat(noInput.err()).contains("--file").contains("--ids-file");
        Result notAModel = run("ppl", "../cli", "--file", "pom.xml");
        assertThat(notAModel.exit()).isEqualTo(1);
        assertThat(notAModel.err()).contains("tokenizer").doesNotContain("\tat ");
    }

    @Test
    void everyCommandHasHelp() {
        for (String[] cmd : new String[][] {{"chat"}, {"generate"}, {"ppl"}, {"tokenize"}, {"list"}, {"check_env"},
                {"bench"}, {"dev", "random-model"}}) {
            Result r = run(concat(cmd, "--help"));
            assertThat(r.exit()).as(String.join(" ", cmd)).isZero();
            assertThat(r.out()).as(String.join(" ", cmd)).contains("Usage: turbo4j " + String.join(" ", cmd));
        }
    }

    @Test
    void randomModelWritesALoadableFolder(@TempDir Path tmp) {
        Path out = tmp.resolve("rnd");
        Result r = run("dev", "random-model", "--like", "tiny-qwen2", "--dtype", "bf16", "--tokenizer-from", MODEL, out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(out.resolve("model.safetensors")).exists();
        Result gen = run("generate", out.toString(), "--prompt", "hello", "--max-new-tokens", "3", "--temperature", "0", "--ignore-eos", "--json");
        assertThat(gen.exit()).as(gen.err()).isZero();
        assertThat(gen.out()).contains("\"completion_tokens\":3");
        Result unknown = run("dev", "random-model", "--like", "gpt-5", out.toString());
        assertThat(unknown.err()).contains("unknown model shape 'gpt-5'").contains("llama-3.2-1b");
    }

    @Test
    void benchThroughputAndGenerationReportTheirFigures() throws IOException {
        Result r = run("bench", "throughput", MODEL, "--concurrency", "3", "--num-prompts", "5", "--input-len", "12",
                "--output-len", "6", "--shared-prefix-len", "64", "--enable-prefix-caching", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode t = json.readTree(r.out());
        assertThat(t.get("num_prompts").asInt()).isEqualTo(5);
        // 5 requests × 6 tokens in the elapsed time
        assertThat(t.get("output_throughput").asDouble() * t.get("elapsed_s").asDouble()).isCloseTo(30.0, within(1e-6));
        assertThat(t.get("ttft_ms").get("p99").asDouble()).isGreaterThanOrEqualTo(t.get("ttft_ms").get("median").asDouble());
        assertThat(t.get("prefix_hit_tokens").asInt()).as("the shared 64-token prefix is reused").isPositive();
        Result g = run("bench", "generation", MODEL, "--prompt-tokens", "16", "--new-tokens", "8", "--warmup", "0",
                "--test-round", "2", "--json");
        assertThat(g.exit()).as(g.err()).isZero();
        JsonNode gen = json.readTree(g.out());
        for (String key : new String[] {"prefill_tok_s", "first_token_latency_ms", "decode_tok_s", "read_bandwidth_gb_s",
                "decode_bandwidth_ratio", "peak_gflops", "prefill_peak_ratio"}) {
            assertThat(gen.get(key).asDouble()).as(key).isPositive();
        }
        JsonNode rounds = gen.get("decode_tok_s_rounds");
        assertThat(rounds.size()).isEqualTo(2);
        assertThat(gen.get("decode_tok_s").asDouble()).as("the median of two rounds is their mean")
                .isCloseTo((rounds.get(0).asDouble() + rounds.get(1).asDouble()) / 2, within(1e-9));
        Result noRounds = run("bench", "generation", MODEL, "--test-round", "0");
        assertThat(noRounds.exit()).isEqualTo(1);
        assertThat(noRounds.err()).contains("--test-round");
    }

    @Test
    void benchGenerationComparesAnotherKvFormatOrModelDecodedByTurns() throws IOException {
        Result g = run("bench", "generation", MODEL, "--prompt-tokens", "16", "--new-tokens", "11", "--warmup", "0",
                "--test-round", "2", "--compare-quant-policy", "8", "--json");
        assertThat(g.exit()).as(g.err()).isZero();
        JsonNode gen = json.readTree(g.out());
        assertThat(gen.get("kv_format").asText()).isEqualTo("BF16");
        JsonNode cmp = gen.get("compared");
        assertThat(cmp.get("kv_format").asText()).isEqualTo("INT8");
        assertThat(cmp.get("decode_tok_s_rounds").size()).isEqualTo(2);
        assertThat(gen.get("decode_tok_s_rounds").size()).isEqualTo(2);
        // 10 decoded tokens per round in turns of 4, 4 and 2: three turn pairs a round
        assertThat(cmp.get("segment_pairs").asInt()).isEqualTo(6);
        double ratio = cmp.get("decode_speed_ratio").asDouble();
        assertThat(ratio).isPositive()
                .isBetween(cmp.get("decode_speed_ratio_p25").asDouble(), cmp.get("decode_speed_ratio_p75").asDouble());
        for (String key : new String[] {"prefill_tok_s", "first_token_latency_ms", "decode_tok_s"}) {
            assertThat(cmp.get(key).asDouble()).as(key).isPositive();
        }
        // One prefill pair per round, its median between its quartiles.
        double prefillRatio = cmp.get("prefill_speed_ratio").asDouble();
        assertThat(prefillRatio).isPositive()
                .isBetween(cmp.get("prefill_speed_ratio_p25").asDouble(), cmp.get("prefill_speed_ratio_p75").asDouble());
        Result text = run("bench", "generation", MODEL, "--prompt-tokens", "8", "--new-tokens", "5", "--warmup", "0",
                "--test-round", "1", "--quant-policy", "8", "--compare-quant-policy", "4");
        assertThat(text.exit()).as(text.err()).isZero();
        assertThat(text.out()).contains("kv cache         INT8")
                .contains("compared with    INT4 KV, decoded by turns of 4 tokens with INT8 KV")
                .contains("decode ratio     INT4 KV / INT8 KV = ")
                .contains("prefill ratio    INT4 KV / INT8 KV = ").contains("(median of 1 round,");
        // Another model folder (a 4-bit checkpoint), same KV cache: the turns pair the two models.
        Result models = run("bench", "generation", MODEL, "--prompt-tokens", "8", "--new-tokens", "9", "--warmup", "0",
                "--test-round", "1", "--compare-model", "../core/src/test/resources/models/random-llama-tiny-awq", "--json");
        assertThat(models.exit()).as(models.err()).isZero();
        JsonNode m = json.readTree(models.out()).get("compared");
        assertThat(m.get("model").asText()).endsWith("random-llama-tiny-awq");
        assertThat(m.get("model_format").asText()).isEqualTo("awq");
        assertThat(m.get("kv_format").asText()).isEqualTo("BF16");
        assertThat(m.get("segment_pairs").asInt()).isEqualTo(2);
        Result itself = run("bench", "generation", MODEL, "--compare-model", MODEL);
        assertThat(itself.exit()).isEqualTo(1);
        assertThat(itself.err()).contains("is the model measured, with the same KV cache");

        Result same = run("bench", "generation", MODEL, "--compare-quant-policy", "0");
        assertThat(same.exit()).isEqualTo(1);
        assertThat(same.err()).contains("--compare-quant-policy 0 gives the same KV cache (BF16)");
        Result bad = run("bench", "generation", MODEL, "--compare-quant-policy", "3");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("--compare-quant-policy must be 0, 8 (int8 KV) or 4 (int4 KV), got 3");
        Result oneToken = run("bench", "generation", MODEL, "--new-tokens", "1", "--compare-quant-policy", "8");
        assertThat(oneToken.exit()).isEqualTo(1);
        assertThat(oneToken.err()).contains("give --new-tokens of 2 or more");
    }

    @Test
    void benchHttpOverheadComparesTheSameRequestsInProcessAndOverHttp() throws IOException {
        Result r = run("bench", "http-overhead", MODEL, "--rounds", "5", "--warmup", "2", "--prompt-tokens", "8",
                "--new-tokens", "3", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode t = json.readTree(r.out());
        assertThat(t.get("rounds").asInt()).isEqualTo(5);
        double local = t.get("in_process_ttft_ms").get("median").asDouble();
        double http = t.get("http_ttft_ms").get("median").asDouble();
        assertThat(local).as("a first token was seen in process").isPositive();
        assertThat(http).as("a first SSE event was read over HTTP").isPositive();
        assertThat(t.get("http_overhead_ms").get("median").asDouble()).isCloseTo(http - local, within(1e-9));
        Result bad = run("bench", "http-overhead", MODEL, "--rounds", "0");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("--rounds");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void benchServeMeasuresARunningServer() throws Exception {
        Path dir = Path.of(MODEL);
        try (dev.turbo4j.engine.LocalModel lm = dev.turbo4j.engine.LocalModel.open(dir, 2);
             dev.turbo4j.engine.Engine engine = dev.turbo4j.engine.Engine.start(lm,
                     dev.turbo4j.engine.EngineConfig.defaults().withSessionLen(512));
             dev.turbo4j.server.ApiServer server = dev.turbo4j.server.ApiServer.start(
                     new dev.turbo4j.server.ServedModel(engine, "kjv", dev.turbo4j.core.chat.ChatTemplates.resolve(dir, null)),
                     dev.turbo4j.server.ServerConfig.defaults().withServerName("127.0.0.1").withServerPort(0))) {
            Result r = run("bench", "serve", server.url(), "--concurrency", "2", "--num-prompts", "4", "--stream",
                    "--random-input-len", "8", "--random-output-len", "5", "--json");
            assertThat(r.exit()).as(r.err()).isZero();
            JsonNode j = json.readTree(r.out());
            assertThat(j.get("successful").asInt()).isEqualTo(4);
            assertThat(j.get("failed").asInt()).isZero();
            assertThat(j.get("output_tokens").asInt()).isEqualTo(20);
            assertThat(j.get("ttft_ms").get("mean").asDouble()).isPositive();
            assertThat(j.get("tpot_ms").get("median").asDouble()).isPositive();
            assertThat(j.get("kv_blocks_after").get("free").asInt()).isEqualTo(j.get("kv_blocks_after").get("total").asInt());

            // Not streamed: only E2E is measured, the others are null ("-"), not E2E and zeros.
            Result plain = run("bench", "serve", server.url().replace("http://", ""), "--num-prompts", "2",
                    "--random-input-len", "8", "--random-output-len", "3", "--json");
            assertThat(plain.exit()).as(plain.err()).isZero();
            JsonNode p = json.readTree(plain.out());
            assertThat(p.get("ttft_ms").isNull()).isTrue();
            assertThat(p.get("tpot_ms").isNull()).isTrue();
            // numpy's median of two values is their mean
            double[] e2e = {p.get("e2e_ms").get("median").asDouble(), p.get("e2e_ms").get("mean").asDouble()};
            assertThat(e2e[0]).isCloseTo(e2e[1], within(1e-6));

            // Open loop, as vLLM's --request-rate: Poisson arrivals, every request answered.
            Result rate = run("bench", "serve", server.url(), "--request-rate", "50", "--num-prompts", "5",
                    "--random-input-len", "8", "--random-output-len", "3", "--json");
            assertThat(rate.exit()).as(rate.err()).isZero();
            JsonNode rj = json.readTree(rate.out());
            assertThat(rj.get("request_rate").asDouble()).isEqualTo(50.0);
            assertThat(rj.get("concurrency").isNull()).as("no cap was given").isTrue();
            assertThat(rj.get("successful").asInt()).isEqualTo(5);
            assertThat(rj.get("output_tokens").asInt()).isEqualTo(15);
            assertThat(run("bench", "serve", server.url(), "--request-rate", "20", "--concurrency", "1", "--num-prompts", "2",
                    "--random-input-len", "8", "--random-output-len", "2").out())
                    .contains("2 (2 ok, 0 failed)").contains("20.00 req/s (Poisson), at most 1 at once");
            assertThat(run("bench", "serve", server.url(), "--request-rate", "0").err())
                    .contains("--request-rate must be a positive number of requests per second, got 0.0");

            Path bad = Files.writeString(Files.createTempFile("bench", ".jsonl"), "{\"text\": \"no prompt field\"}\n");
            Result malformed = run("bench", "serve", server.url(), "--dataset", bad.toString(), "--num-prompts", "1");
            assertThat(malformed.exit()).isEqualTo(1);
            assertThat(malformed.err()).contains("line 1: needs a \"prompt\" string").doesNotContain("Exception");
            Result zero = run("bench", "serve", server.url(), "--random-output-len", "0");
            assertThat(zero.err()).contains("--random-output-len and --random-input-len must be at least 1");
        }
        Result down = run("bench", "serve", "http://127.0.0.1:9", "--num-prompts", "1");
        assertThat(down.err().strip()).isEqualTo("turbo4j: http://127.0.0.1:9: no server answers: connection refused (is it running?)");
        Result unknown = run("bench", "serve", "http://no-such-host.invalid:23333", "--num-prompts", "1");
        assertThat(unknown.err()).contains("no server answers: unknown host (check the URL)");
    }

    @Test
    void benchThroughputRefusesDatasetEntriesItCannotRunInsteadOfDroppingThem(@TempDir Path tmp) throws IOException {
        Path zero = Files.writeString(tmp.resolve("z.jsonl"), "{\"prompt\": \"hello\", \"output_len\": 0}\n");
        Result r = run("bench", "throughput", MODEL, "--dataset", zero.toString(), "--num-prompts", "1");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("line 1: needs a \"prompt\" string and, if any, an \"output_len\" integer of at least 1");
        Path tooLong = Files.writeString(tmp.resolve("l.jsonl"), "{\"prompt\": \"hello\", \"output_len\": 4}\n"
                + "{\"prompt\": \"" + "and the LORD said ".repeat(60) + "\", \"output_len\": 4}\n");
        Result fewer = run("bench", "throughput", MODEL, "--dataset", tooLong.toString(), "--num-prompts", "2",
                "--session-len", "128");
        assertThat(fewer.exit()).isEqualTo(1);
        assertThat(fewer.err()).contains("1 usable prompts (that fit the session length 128 with their output) of the 2");
    }

    @Test
    void cacheMaxGbSizesTheKvPoolInGibibytes() {
        java.util.List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger engineLog = java.util.logging.Logger.getLogger("dev.turbo4j.engine.Engine");
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                logged.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        engineLog.addHandler(capture);
        try {
            Result r = run("bench", "throughput", MODEL, "--concurrency", "1", "--num-prompts", "1", "--input-len", "4",
                    "--output-len", "2", "--cache-max-gb", "0.01", "--json");
            assertThat(r.exit()).as(r.err()).isZero();
            // Fewer blocks than one session: raised to one session, and said so (it was silent).
            Result few = run("bench", "throughput", MODEL, "--concurrency", "1", "--num-prompts", "1", "--input-len", "4",
                    "--output-len", "2", "--cache-max-entry-count", "3", "--session-len", "512", "--json");
            assertThat(few.exit()).as(few.err()).isZero();
        } finally {
            engineLog.removeHandler(capture);
        }
        // 6 layers x 4 kv heads x 32 dims x 64 tokens x (K, V) x 2 bytes = 196,608 bytes a block; 0.01 GiB holds 54.
        assertThat(logged).anySatisfy(line -> assertThat(line).startsWith("KV cache: 54 blocks of 64 tokens"));
        assertThat(logged).anySatisfy(line -> assertThat(line).startsWith("KV cache: the 3 blocks asked for"
                + " (cache_max_entry_count or cache_max_gb) cannot hold one session of 512 tokens; the pool has 8 blocks"));
        Result bad = run("bench", "throughput", MODEL, "--cache-max-gb", "-1");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("cache-max-gb must be >= 0");
    }

    @Test
    void serveApiServerValidatesItsFlags() {
        Result help = run("serve", "api_server", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("--server-port", "--api-keys", "--max-concurrent-requests", "--max-batch-size",
                "--cache-max-entry-count", "--cache-max-gb", "--enable-prefix-caching", "--quant-policy", "--tp", "--chat-template");
        Result bad = run("serve", "api_server", MODEL, "--max-concurrent-requests", "0");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("max-concurrent-requests");
        // The demo model is stored unsplit: more ranks need a folder written by convert --tp.
        Result tp = run("serve", "api_server", MODEL, "--tp", "2");
        assertThat(tp.exit()).isEqualTo(1);
        assertThat(tp.err()).contains("tp 2", "stored unsplit", "turbo4j convert MODEL --dst-path OUT --tp 2");
    }

    @Test
    void convertWithTpWritesAFolderThatGeneratesTheGoldenGreedyContinuation(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("kjv-tp2");
        Result convert = run("convert", MODEL, "--dst-path", out.toString(), "--tp", "2");
        assertThat(convert.exit()).as(convert.err()).isZero();
        assertThat(convert.out()).contains("42 layers split over 2 ranks");
        JsonNode golden = json.readTree(GOLDEN.resolve("greedy.json").toFile()).get("prompts").get(0);
        for (String tp : new String[] {"2", "1"}) {
            Result r = run("generate", out.toString(), "--tp", tp, "--prompt", golden.get("text").asText(),
                    "--temperature", "0", "--max-new-tokens", "32", "--ignore-eos", "--json", "--threads", "2");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(json.readTree(r.out()).get("token_ids")).as("--tp " + tp).isEqualTo(golden.get("output_ids"));
        }
        Result bad = run("convert", MODEL, "--dst-path", tmp.resolve("tp3").toString(), "--tp", "3");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("--tp 3 does not divide num_attention_heads 8");
    }
}
