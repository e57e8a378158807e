package dev.turbo4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turbo4j.core.model.Model;
import dev.turbo4j.core.parallel.WorkerPool;
import dev.turbo4j.core.tokenizer.TokenizerLoader;
import dev.turbo4j.core.tokenizer.Tokenizer;
import dev.turbo4j.core.transformer.Perplexity;
import dev.turbo4j.core.transformer.Transformer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Perplexity of a model on a text, windowed as LMDeploy's get_ppl / llama.cpp's perplexity. */
@Command(name = "ppl", mixinStandardHelpOptions = true,
        description = {"Perplexity of a model on a text file or a list of token ids.",
                "The text is tokenized as one string without special tokens and cut into windows of --ctx tokens,",
                "each scored with a fresh cache; by default each window is prefixed with BOS."})
final class PplCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "Model folder.")
    String model;

    @ArgGroup(multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--file", paramLabel = "TEXT", description = "A UTF-8 text file.")
        Path file;

        @Option(names = "--ids-file", paramLabel = "IDS.json", description = "A JSON array of token ids (or an object with an \"ids\" array).")
        Path idsFile;
    }

    @Option(names = "--ctx", defaultValue = "256", description = "Window length in tokens (default: ${DEFAULT-VALUE}).")
    int ctx;

    @Option(names = "--max-tokens", description = "Score only the first N tokens.")
    Integer maxTokens;

    @Option(names = "--no-bos", description = "Feed windows as they are (tokens 2..n are predicted).")
    boolean noBos;

    @Option(names = "--json", description = "Print {ppl, tokens, windows}.")
    boolean json;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() throws IOException {
        Path dir = ModelPaths.resolve(model);
        if (ctx < 2) {
            throw new UserException("--ctx must be at least 2, got " + ctx);
        }
        if (maxTokens != null && maxTokens < 2) {
            throw new UserException("--max-tokens must be at least 2, got " + maxTokens);
        }
        int[] ids;
        int bos = -1;
        Tokenizer tokenizer = null;
        if (input.file != null || !noBos) {
            tokenizer = TokenizerLoader.load(dir);
        }
        if (input.file != null) {
            ids = tokenizer.encode(read(input.file), false);
        } else {
            ids = readIds(input.idsFile);
        }
        if (maxTokens != null && ids.length > maxTokens) {
            ids = Arrays.copyOf(ids, maxTokens);
        }
        int fewest = noBos ? 2 : 1; // without BOS the first token is only context
        if (ids.length < fewest) {
            throw new UserException((input.file != null ? input.file : input.idsFile) + ": " + ids.length
                    + " tokens, too few for a perplexity (at least " + fewest + (noBos ? " without BOS" : "") + ")");
        }
        if (!noBos) {
            bos = tokenizer.bosId();
            if (bos < 0) {
                throw new UserException(dir + ": the tokenizer has no BOS token; use --no-bos");
            }
        }
        try (WorkerPool pool = new WorkerPool(engine.threads()); Model m = Model.load(dir, engine.loadOptions())) {
            int positions = ctx + (noBos ? 0 : 1); // a BOS takes a position before each window
            if (positions > m.config().maxPositionEmbeddings()) {
                throw new UserException("--ctx " + ctx + (noBos ? "" : " and a BOS") + " need " + positions
                        + " positions; the model has " + m.config().maxPositionEmbeddings()
                        + (noBos ? "" : " (pass a smaller --ctx, or --no-bos)"));
            }
            Perplexity.Result r = Perplexity.compute(new Transformer(m.config(), m.weights(), pool), ids, ctx, bos,
                    engine.effectiveKvFormat());
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                var node = new ObjectMapper().createObjectNode();
                node.put("ppl", r.ppl());
                node.put("tokens", r.tokensScored());
                node.put("windows", r.windows());
                out.println(node);
            } else {
                out.printf(Locale.ROOT, "perplexity %.4f over %d tokens in %d windows of %d%s%n", r.ppl(),
                        r.tokensScored(), r.windows(), ctx, noBos ? " (no BOS)" : "");
            }
            out.flush();
        }
        return 0;
    }

    private static String read(Path file) throws IOException {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new UserException(file + ": file not found");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new UserException(file + ": not UTF-8 text");
        }
    }

    private static int[] readIds(Path file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(read(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UserException(file + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        JsonNode arr = root != null && root.isObject() ? root.get("ids") : root;
        if (arr == null || !arr.isArray()) {
            throw new UserException(file + ": expected a JSON array of token ids or an object with an \"ids\" array");
        }
        int[] ids = new int[arr.size()];
        for (int i = 0; i < ids.length; i++) {
            if (!arr.get(i).canConvertToInt()) {
                throw new UserException(file + ": element " + i + " is not a token id");
            }
            ids[i] = arr.get(i).asInt();
        }
        return ids;
    }
}
