package dev.turbo4j.core.quant;

import dev.turbo4j.core.kernel.Int4GroupWeight;
import dev.turbo4j.core.kernel.Int8ChannelWeight;
import dev.turbo4j.core.kernel.LinearWeight;
import dev.turbo4j.core.memory.LargePages;
import dev.turbo4j.core.model.ModelLoadException;
import dev.turbo4j.core.safetensors.TensorInfo;
import dev.turbo4j.core.safetensors.TensorStore;
import dev.turbo4j.core.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Loads one linear layer in the folder's format. A quantized layer is one with a
 * {@code <name>.qweight} tensor; layers named in modules_to_not_convert, or stored only as
 * {@code <name>.weight} (lm_head in AWQ/GPTQ checkpoints), load dense.
 *
 * <p>AWQ and GPTQ layers are repacked into {@link Int4GroupWeight}'s layout in the model's
 * arena; turbo4j-int8 layers are copied as they are onto huge pages where the platform has
 * them (else read from the memory map); turbo4j-int4 layers are read from the memory map.
 */
public final class LinearLoader {
    /** System property: {@code true} keeps dense and int8 weights in the memory map instead of copying them. */
    public static final String MAP_PROPERTY = "turbo4j.weights.mapped";

    /** Loads a dense layer from {@code <base>.weight}, checking it is [rows × cols]. */
    @FunctionalInterface
    public interface DenseLoader {
        LinearWeight load(String base, int rows, int cols);
    }

    private final TensorStore store;
    private final QuantizationConfig quant;
    private final Arena arena;
    private final DenseLoader dense;
    private long repackedBytes;
    private long copiedBytes;
    /** A load that only checks the folder: no copies, no repacking (see {@code Model.check}). */
    private final boolean checkOnly;

    public LinearLoader(TensorStore store, QuantizationConfig quant, Arena arena, DenseLoader dense) {
        this(store, quant, arena, dense, false);
    }

    /** @param checkOnly check every tensor but copy and repack nothing: int4 layers load as their shape only */
    public LinearLoader(TensorStore store, QuantizationConfig quant, Arena arena, DenseLoader dense,
                        boolean checkOnly) {
        this.store = store;
        this.quant = quant;
        this.arena = arena;
        this.dense = dense;
        this.checkOnly = checkOnly;
    }

    /** Whether a layer is stored quantized (so it is loaded through this format's path). */
    public boolean isQuantized(String base) {
        return quant.format() != ModelFormat.HF && !quant.keepsDense(base)
                && (store.has(base + ".qweight") || !store.has(base + ".weight"));
    }

    /** The layer {@code base} (name without suffix), W of shape [rows = out × cols = in]. */
    public LinearWeight load(String base, int rows, int cols) {
        if (!isQuantized(base)) {
            return dense.load(base, rows, cols);
        }
        return switch (quant.format()) {
            case AWQ, GPTQ -> repack(base, source(base, rows, cols));
            case TURBO4J_INT8 -> int8(base, rows, cols);
            case TURBO4J_INT4 -> preparedInt4(base, rows, cols);
            case HF -> throw new IllegalStateException();
        };
    }

    /** Whether a layer loads as an {@link Int4GroupWeight} (AWQ, GPTQ or turbo4j-int4). */
    public boolean isInt4(String base) {
        return isQuantized(base) && quant.bits() == 4;
    }

    /**
     * The input columns of a layer that must stay together when it is split by columns: the
     * int4 group size, the int8 kernel's column multiple, 1 for dense layers. Reads only the
     * tensors' headers (nothing is repacked).
     */
    public int inputGranularity(String base, int rows, int cols) {
        if (!isQuantized(base)) {
            return 1;
        }
        return switch (quant.format()) {
            case AWQ, GPTQ -> source(base, rows, cols).groupSize();
            case TURBO4J_INT4 -> ((Int4GroupWeight) preparedInt4(base, rows, cols)).groupSize();
            case TURBO4J_INT8 -> Int8ChannelWeight.COLUMN_MULTIPLE;
            case HF -> 1;
        };
    }

    private Int4Source source(String base, int rows, int cols) {
        return quant.format() == ModelFormat.AWQ ? new AwqGemmSource(store, base, rows, cols)
                : new GptqSource(store, base, rows, cols, quant.gptqZeroOffset());
    }

    /**
     * The [rows = out, cols = in] of a quantized layer, read from its stored tensors (for
     * tools that walk a folder's layers without the model's config).
     */
    public int[] quantizedShape(String base) {
        TensorInfo q = store.get(base + ".qweight");
        return switch (quant.format()) {
            case AWQ -> new int[] {q.dim(1) * 8, q.dim(0)};
            case GPTQ -> new int[] {q.dim(1), q.dim(0) * 8};
            case TURBO4J_INT8 -> new int[] {q.dim(0), q.dim(1)};
            case TURBO4J_INT4 -> new int[] {q.dim(0), q.dim(1) * 2}; // rows rounded up to whole tiles
            case HF -> throw new ModelLoadException(store.dir() + ": " + base + ".qweight found in a dense (hf) folder");
        };
    }

    /** A quantized layer, its shape read from its tensors. */
    public LinearWeight loadQuantized(String base) {
        int[] shape = quantizedShape(base);
        return load(base, shape[0], shape[1]);
    }

    /** Bytes allocated for repacked weights (resident, off-heap, freed with the arena). */
    public long repackedBytes() {
        return repackedBytes;
    }

    private LinearWeight repack(String base, Int4Source source) {
        if (!Int4GroupWeight.supportsShape(source.cols(), source.groupSize())) {
            throw unsupportedGroups(base, source.cols(), source.groupSize());
        }
        if (checkOnly) {
            return new CheckedShape(source.rows(), source.cols());
        }
        Int4GroupWeight w = Int4Repacker.repack(source, arena);
        repackedBytes += w.byteSize();
        return w;
    }

    /** A checked layer's shape, without its weights: what a check-only load returns for int4 layers. */
    private record CheckedShape(int outFeatures, int inFeatures) implements LinearWeight {
        @Override
        public long byteSize() {
            return 0;
        }

        @Override
        public void multiply(float[] x, int tokens, float[] y, int rowStart, int rowEnd) {
            throw new UnsupportedOperationException("a checked shape has no weights to multiply");
        }

        @Override
        public void readRow(int r, float[] dst, int offset) {
            throw new UnsupportedOperationException("a checked shape has no weights to read");
        }
    }

    private ModelLoadException unsupportedGroups(String base, int cols, int groupSize) {
        return new ModelLoadException(quant.source() + ": layer " + base + " has group size " + groupSize + " over "
                + cols + " inputs; the int4 kernel supports group sizes that are multiples of " + Int4GroupWeight.CHUNK
                + " and divide in_features (128, 256, …, or one group per row)");
    }

    private LinearWeight int8(String base, int rows, int cols) {
        String layout = "turbo4j-int8";
        TensorInfo q = QuantTensors.get(store, base + ".qweight", layout, DType.I8);
        QuantTensors.checkShape(store, q, layout, rows, cols);
        TensorInfo scales = store.get(base + ".scales");
        if (scales.dtype() != DType.F32 || scales.rank() != 1 || scales.shape()[0] != rows) {
            throw new ModelLoadException(store.dir() + ": tensor '" + scales.name() + "' is " + scales.dtype()
                    + scales.shapeString() + " but " + layout + " needs F32 [" + rows + "]");
        }
        if (cols % Int8ChannelWeight.COLUMN_MULTIPLE != 0) {
            throw new ModelLoadException(store.dir() + ": layer " + base + " has " + cols + " inputs; the int8 kernel needs"
                    + " a multiple of " + Int8ChannelWeight.COLUMN_MULTIPLE);
        }
        return Int8ChannelWeight.of(resident(q.data()), scales.data(), rows, cols);
    }

    /** Bytes of weights copied as they are from the map into resident memory at load (see {@link #resident}). */
    public long copiedBytes() {
        return copiedBytes;
    }

    /**
     * A copy of mapped weights in resident memory the engine allocates, on huge pages
     * ({@link LargePages}) where the platform offers them; the mapped weights themselves when
     * they are small, when huge pages are unavailable, or when the system property
     * {@value #MAP_PROPERTY} is {@code true}. The kernels stream every weight once per decoded
     * token: from the file's 4 KiB page-cache pages each page costs a TLB miss (a two-level walk
     * under a hypervisor), and the page cache places a file wherever free memory was when it was
     * read, which on our KVM machine halved the decode speed of one model folder and not of
     * another (Qwen2.5-0.5B shape 14.4 vs 24-25 tok/s copied).
     */
    public MemorySegment resident(MemorySegment mapped) {
        if (checkOnly || Boolean.getBoolean(MAP_PROPERTY) || !LargePages.available()
                || mapped.byteSize() < LargePages.MIN_BYTES) {
            return mapped;
        }
        MemorySegment copy = LargePages.allocate(arena, mapped.byteSize());
        copy.copyFrom(mapped);
        LargePages.releaseCopied(mapped); // the copy is what counts against the process now
        copiedBytes += copy.byteSize();
        return copy;
    }

    private LinearWeight preparedInt4(String base, int rows, int cols) {
        String layout = "turbo4j-int4";
        TensorInfo packed = QuantTensors.get(store, base + ".qweight", layout, DType.U8);
        TensorInfo scales = QuantTensors.get(store, base + ".scales", layout, DType.F16);
        TensorInfo zeros = QuantTensors.get(store, base + ".qzeros", layout, DType.U8);
        int storedRows = Int4GroupWeight.paddedRows(rows);
        QuantTensors.checkShape(store, packed, layout, storedRows, cols / 2);
        int groups = scales.dim(1);
        if (groups <= 0 || cols % groups != 0 || !Int4GroupWeight.supportsShape(cols, cols / groups)) {
            throw unsupportedGroups(base, cols, groups <= 0 ? 0 : cols / groups);
        }
        QuantTensors.checkShape(store, scales, layout, storedRows, groups);
        QuantTensors.checkShape(store, zeros, layout, storedRows, groups);
        return Int4GroupWeight.of(packed.data(), scales.data(), zeros.data(), rows, cols, cols / groups);
    }
}
