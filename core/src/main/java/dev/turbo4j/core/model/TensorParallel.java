package dev.turbo4j.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How a model's decoder linears are split over tensor-parallel ranks (Megatron-style, as
 * LMDeploy's TurboMind splits them), as {@code turbo4j convert --tp N} writes them:
 * <ul>
 *   <li>column-parallel (q, k, v or the packed qkv, gate, up): rank r holds a contiguous
 *       block of the output rows. q is split by query heads, k and v by kv heads, the packed
 *       qkv by kv-head groups, so each rank owns whole heads of its attention;</li>
 *   <li>row-parallel (o, down): rank r holds a contiguous block of the input columns, and the
 *       ranks' partial outputs are summed.</li>
 * </ul>
 * Shard r of layer {@code base} is stored as layer {@code base.tp<r>} in the folder's format
 * ({@code .weight}, or {@code .qweight}/{@code .scales}/…); biases, norms, embeddings and the
 * output head stay whole. config.json records the rank count as
 * {@code "turbo4j": {"tp": N}} (absent: 1, unsplit).
 */
public final class TensorParallel {
    private static final String CONFIG_OBJECT = "turbo4j";
    private static final String CONFIG_TP = "tp";

    private TensorParallel() {
    }

    /** Which dimension of W [out × in] a layer is split along. */
    public enum Split {
        /** Output rows: each rank computes its own outputs. */
        COLUMN,
        /** Input columns: each rank computes a partial sum of every output. */
        ROW
    }

    /** One rank's block of W: rows [rowStart, rowStart + rows), columns [colStart, colStart + cols). */
    public record Block(int rowStart, int rows, int colStart, int cols) {
    }

    /** A decoder linear layer: its base name, W's shape [rows = out × cols = in] and how it splits. */
    public record Linear(String base, int rows, int cols, Split split) {
        /** Rank r's block of W when split over tp ranks (tp divides the split dimension). */
        public Block shard(int rank, int tp) {
            return split == Split.COLUMN
                    ? new Block(rank * (rows / tp), rows / tp, 0, cols)
                    : new Block(0, rows, rank * (cols / tp), cols / tp);
        }

        /** Input columns per rank: all of them for column-parallel layers. */
        public int shardCols(int tp) {
            return split == Split.COLUMN ? cols : cols / tp;
        }
    }

    /** The stored name of rank r's shard of layer {@code base}. */
    public static String shardName(String base, int rank) {
        return base + ".tp" + rank;
    }

    /** Every linear layer of the decoder blocks, in layer order (the output head is not split). */
    public static List<Linear> linears(ModelConfig c) {
        WeightNames n = c.architecture().weightNames();
        int hidden = c.hiddenSize();
        int inter = c.intermediateSize();
        List<Linear> out = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            if (n.packedQkv()) {
                out.add(new Linear(WeightNames.layer(n.qkv(), i), c.qDim() + 2 * c.kvDim(), hidden, Split.COLUMN));
            } else {
                out.add(new Linear(WeightNames.layer(n.q(), i), c.qDim(), hidden, Split.COLUMN));
                out.add(new Linear(WeightNames.layer(n.k(), i), c.kvDim(), hidden, Split.COLUMN));
                out.add(new Linear(WeightNames.layer(n.v(), i), c.kvDim(), hidden, Split.COLUMN));
            }
            out.add(new Linear(WeightNames.layer(n.o(), i), hidden, c.qDim(), Split.ROW));
            out.add(new Linear(WeightNames.layer(n.gate(), i), inter, hidden, Split.COLUMN));
            out.add(new Linear(WeightNames.layer(n.up(), i), inter, hidden, Split.COLUMN));
            out.add(new Linear(WeightNames.layer(n.down(), i), hidden, inter, Split.ROW));
        }
        return out;
    }

    /**
     * Fails unless tp ranks can each own whole attention heads and an equal part of the MLP:
     * tp must divide num_attention_heads, num_key_value_heads and intermediate_size.
     */
    public static void checkDivides(ModelConfig c, int tp, Path dir) {
        if (tp < 1) {
            throw new IllegalArgumentException("--tp must be >= 1, got " + tp);
        }
        String[] names = {"num_attention_heads", "num_key_value_heads", "intermediate_size"};
        int[] sizes = {c.numHeads(), c.numKvHeads(), c.intermediateSize()};
        for (int i = 0; i < names.length; i++) {
            if (sizes[i] % tp != 0) {
                throw new IllegalArgumentException("--tp " + tp + " does not divide " + names[i] + " " + sizes[i] + " of "
                        + dir + ": each rank must own whole heads and an equal part of the MLP; "
                        + (divisors(c).equals("1") ? "this model runs unsplit only (--tp 1)" : "try " + divisors(c) + " ranks"));
            }
        }
    }

    /** The rank counts that divide every split dimension, e.g. "1, 2 or 4". */
    private static String divisors(ModelConfig c) {
        List<String> ok = new ArrayList<>();
        for (int tp = 1; tp <= c.numKvHeads(); tp++) {
            if (c.numHeads() % tp == 0 && c.numKvHeads() % tp == 0 && c.intermediateSize() % tp == 0) {
                ok.add(Integer.toString(tp));
            }
        }
        return ok.size() == 1 ? ok.getFirst()
                : String.join(", ", ok.subList(0, ok.size() - 1)) + " or " + ok.getLast();
    }

    /**
     * Fails unless a run may ask for {@code requested} ranks on this folder: 1 always works
     * (a split folder holds the same model), more only when the folder was split that way.
     */
    public static void checkRequested(int requested, ModelConfig c, Path dir) {
        if (requested < 1) {
            throw new IllegalArgumentException("tp must be >= 1, got " + requested);
        }
        if (requested == 1 || requested == c.tensorParallel()) {
            return;
        }
        String convert = "write a folder for " + requested + " ranks with 'turbo4j convert MODEL --dst-path OUT --tp "
                + requested + "'";
        throw new IllegalArgumentException("tp " + requested + ": " + dir + (c.tensorParallel() == 1
                ? " is stored unsplit (tp 1); " + convert + ", or run with tp 1"
                : " is stored split for tp " + c.tensorParallel() + "; run it with tp " + c.tensorParallel()
                        + " (or 1), or " + convert + " from the original model"));
    }

    /** Fails when the folder is split: tools that rewrite a model read the original, unsplit one. */
    public static void requireUnsplit(ModelConfig c, Path dir) {
        if (c.tensorParallel() != 1) {
            throw new ModelLoadException(dir + ": stored split for tp " + c.tensorParallel()
                    + " by 'turbo4j convert --tp'; use the original (unsplit) model folder");
        }
    }

    /** config.json's rank count: {@code turbo4j.tp}, 1 when absent. */
    static int read(JsonNode config, Path file) {
        JsonNode tp = config.path(CONFIG_OBJECT).get(CONFIG_TP);
        if (tp == null) {
            return 1;
        }
        if (!tp.canConvertToInt() || tp.asInt() < 1) {
            throw new ModelLoadException(file + ": \"" + CONFIG_OBJECT + "." + CONFIG_TP + "\" must be a positive integer, got " + tp);
        }
        return tp.asInt();
    }

    /** Records the rank count in a config.json (removing it when 1, so unsplit folders stay plain Hugging Face). */
    public static void record(ObjectNode config, int tp) {
        if (tp == 1) {
            if (config.get(CONFIG_OBJECT) instanceof ObjectNode ours) {
                ours.remove(CONFIG_TP);
                if (ours.isEmpty()) {
                    config.remove(CONFIG_OBJECT);
                }
            }
            return;
        }
        JsonNode ours = config.get(CONFIG_OBJECT);
        (ours instanceof ObjectNode o ? o : config.putObject(CONFIG_OBJECT)).put(CONFIG_TP, tp);
    }
}
