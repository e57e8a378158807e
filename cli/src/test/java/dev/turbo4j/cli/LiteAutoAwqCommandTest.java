package dev.turbo4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code turbo4j lite auto_awq} as a user runs it, on the demo model with a tiny calibration. */
class LiteAutoAwqCommandTest {
    private static final String MODEL = CommandLineTest.MODEL;

    @Test
    void writesAnAwqCheckpointAndReportsPerplexityBeforeAndAfter(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("awq");
        CommandLineTest.Result r = CommandLineTest.run("lite", "auto_awq", MODEL, "--work-dir", out.toString(),
                "--calib-samples", "2", "--calib-seqlen", "64", "--threads", "2");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("AutoAWQ gemm, 4-bit, group size 128, zero points, AWQ scales, alpha 0.5")
                .contains("calibration: 2 sequences x 64 tokens from builtin")
                .containsPattern("calibration perplexity: [0-9.]+ before, [0-9.]+ after")
                .contains("elapsed:");
        assertThat(r.err()).contains("calibrating: done in").contains("perplexity after: done in");
        JsonNode q = new ObjectMapper().readTree(out.resolve("config.json").toFile()).get("quantization_config");
        assertThat(q.get("quant_method").asText()).isEqualTo("awq");
        assertThat(q.get("group_size").asInt()).isEqualTo(128);
        assertThat(out.resolve("model.safetensors")).exists();
    }

    @Test
    void takesACalibrationFileAndPerChannelSymmetricRoundToNearest(@TempDir Path tmp) throws IOException {
        Path text = tmp.resolve("calib.txt");
        Files.writeString(text, "And God said, Let there be light: and there was light.\n".repeat(40));
        Path out = tmp.resolve("rtn");
        CommandLineTest.Result r = CommandLineTest.run("lite", "auto_awq", MODEL, "--work-dir", out.toString(), "--rtn",
                "--w-sym", "--w-group-size", "-1", "--calib-dataset", text.toString(), "--calib-samples", "2",
                "--calib-seqlen", "32", "--threads", "2");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("group size -1, symmetric, round-to-nearest").contains("from " + text);
        JsonNode q = new ObjectMapper().readTree(out.resolve("config.json").toFile()).get("quantization_config");
        assertThat(q.get("zero_point").asBoolean()).isFalse();
        assertThat(q.get("group_size").asInt()).isEqualTo(-1);
        // and what it wrote loads (zero_point=false was refused at load)
        CommandLineTest.Result run = CommandLineTest.run("generate", out.toString(), "--prompt", "And God said",
                "--max-new-tokens", "2", "--temperature", "0");
        assertThat(run.exit()).as(run.err()).isZero();
    }

    @Test
    void searchScalePrintsTheAlphaFoundForEachLayer(@TempDir Path tmp) {
        CommandLineTest.Result r = CommandLineTest.run("lite", "auto_awq", MODEL, "--work-dir", tmp.resolve("s").toString(),
                "--search-scale", "--calib-samples", "2", "--calib-seqlen", "32", "--batch-size", "2", "--threads", "2");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("AWQ scales, searched alpha")
                .containsPattern("layer 0 alpha: input_layernorm -> q,k,v 0\\.\\d\\d, post_attention_layernorm -> gate,up 0\\.\\d\\d, up -> down 0\\.\\d\\d")
                .contains("layer 5 alpha:");
    }

    @Test
    void badSettingsGiveOneClearLine(@TempDir Path tmp) {
        String out = tmp.resolve("x").toString();
        CommandLineTest.Result group = CommandLineTest.run("lite", "auto_awq", MODEL, "--work-dir", out, "--w-group-size", "96");
        assertThat(group.exit()).isEqualTo(1);
        assertThat(group.err()).contains("--w-group-size 96 does not fit model.layers.0.self_attn.q_proj")
                .contains("here 128").doesNotContain("Exception");
        CommandLineTest.Result both = CommandLineTest.run("lite", "auto_awq", MODEL, "--work-dir", out, "--rtn", "--search-scale");
        assertThat(both.exit()).isEqualTo(1);
        assertThat(both.err()).contains("--rtn and --search-scale exclude each other");
        CommandLineTest.Result bits = CommandLineTest.run("lite", "auto_awq", MODEL, "--work-dir", out, "--w-bits", "3");
        assertThat(bits.exit()).isEqualTo(1);
        assertThat(bits.err()).contains("--w-bits must be 4");
        CommandLineTest.Result folder = CommandLineTest.run("lite", "auto_awq", MODEL, "--work-dir", out,
                "--calib-dataset", tmp.toString());
        assertThat(folder.exit()).isEqualTo(1);
        assertThat(folder.err()).contains("turbo4j: --calib-dataset " + tmp + " is a folder; give a UTF-8 text file\n");
        CommandLineTest.Result named = CommandLineTest.run("lite", "auto_awq", MODEL, "--work-dir", out, "--calib-dataset", "ptb");
        assertThat(named.err()).contains("LMDeploy's named datasets are downloads");
        CommandLineTest.Result missing = CommandLineTest.run("lite", "auto_awq", MODEL, "--work-dir", out,
                "--calib-dataset", tmp.resolve("none.txt").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("none.txt: file not found");
    }

    @Test
    void liteAndAutoAwqHaveHelp() {
        // The command list shows each tool's first line: a whole sentence (it read "... (activation-aware scales),").
        assertThat(CommandLineTest.run("lite", "--help").out().replaceAll("\\s+", " ")).contains("auto_awq")
                .contains("with AWQ (activation-aware weight quantization). quantize");
        assertThat(CommandLineTest.run("lite", "auto_awq", "--help").out()).contains("--calib-dataset", "--calib-samples",
                "--calib-seqlen", "--batch-size", "--w-bits", "--w-group-size", "--w-sym", "--search-scale", "--rtn",
                "--work-dir");
        // As LMDeploy's lite tools, --work-dir may be left out.
        for (String tool : new String[] {"auto_awq", "quantize"}) {
            assertThat(CommandLineTest.run("lite", tool, "--help").out().replaceAll("\\s+", "")).as(tool)
                    .contains("(default:./work_dir");
        }
    }

    @Test
    void aGroupSizeForInt8IsRefusedRatherThanIgnored(@TempDir Path tmp) {
        CommandLineTest.Result r = CommandLineTest.run("lite", "quantize", MODEL, "--w-bits", "8", "--w-group-size", "64",
                "--work-dir", tmp.resolve("q8").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("--w-group-size applies to --w-bits 4 only").doesNotContain("Exception");
        assertThat(tmp.resolve("q8")).doesNotExist();
    }

    @Test
    void withoutATerminalProgressIsLoggedAsLinesWithinAStage() {
        // A --search-scale run was silent for minutes in a log: only finished stages printed.
        java.io.StringWriter log = new java.io.StringWriter();
        try (AwqProgressBar progress = new AwqProgressBar(new java.io.PrintWriter(log, true), false, 0)) {
            progress.stageStarted("AWQ scales", 3);
            progress.stepDone("layer 0");
            progress.stepDone("layer 1");
            progress.stepDone("layer 2");
            progress.stageDone();
        }
        assertThat(log.toString().lines().toList()).hasSize(3).satisfies(lines -> {
            assertThat(lines.get(0)).matches("AWQ scales: 1/3 after \\d+\\.\\d s \\(layer 0\\)");
            assertThat(lines.get(1)).startsWith("AWQ scales: 2/3 after ");
            assertThat(lines.get(2)).matches("AWQ scales: done in \\d+\\.\\d s \\(layer 2\\)");
        });
    }
}
