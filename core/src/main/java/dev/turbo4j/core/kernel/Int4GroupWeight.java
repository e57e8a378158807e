package dev.turbo4j.core.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A linear weight quantized to 4 bits in groups along the input dimension (W4A16): AWQ and
 * GPTQ checkpoints are repacked into this layout once, at load or by {@code turbo4j convert}.
 * Element (r, c) is {@code (q[r][c] - zero[r][g]) * scale[r][g]} with {@code g = c / groupSize}.
 *
 * <p>The layout (Turbo4j's "nibble-128, 4-row tiles in planes", version {@value #LAYOUT_VERSION}),
 * chosen so that one int-vector load at any width yields, per nibble, weights of consecutive
 * columns, and so that the {@value #TILE_ROWS} rows a kernel tile multiplies together come from
 * {@value #TILE_ROWS} long sequential streams: the hardware prefetcher keeps several streams far
 * enough ahead to hide DRAM latency, but not one (one stream per thread read int4 decode at
 * half the bandwidth: the kernel's loads wait on memory instead of overlapping its unpacking).
 * <ul>
 *   <li>{@code packed}: {@value #TILE_ROWS} planes of {@link #planeBytes} bytes; plane i holds
 *       row i of every tile (rows {@code 4 t + i}), tile after tile. A row is 128-column chunk
 *       after chunk, each 64 bytes = 16 little-endian int32 words; bits 4j..4j+3 of word k
 *       hold q of column {@code chunk * 128 + 16 j + k} (0..15).</li>
 *   <li>{@code scales}: IEEE half floats and {@code zeros}: unsigned bytes (0..16), each
 *       [tiles × groups × TILE_ROWS]: the tile's rows side by side per group.</li>
 * </ul>
 * A last partial tile is padded with zero rows. cols must be a multiple of {@value #CHUNK} and
 * groupSize a multiple of {@value #CHUNK} that divides cols, so every chunk lies in one group.
 */
public record Int4GroupWeight(MemorySegment packed, MemorySegment scales, MemorySegment zeros, int rows, int cols,
                              int groupSize, Int4Kernel kernel) implements LinearWeight {
    /** Columns per packed chunk (16 words of 8 nibbles). */
    public static final int CHUNK = 128;
    /** Bytes per packed chunk of one row. */
    public static final int CHUNK_BYTES = CHUNK / 2;
    /** Rows stored together (and multiplied together by the kernels). */
    public static final int TILE_ROWS = 4;
    /** Version of the {@link #packed} layout, recorded by {@code turbo4j convert} (1 stored each tile as one stream). */
    public static final int LAYOUT_VERSION = 2;

    private static final ValueLayout.OfInt WORD = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public Int4GroupWeight {
        if (!supportsShape(cols, groupSize)) {
            throw new IllegalArgumentException("int4 weights need cols and groupSize multiples of " + CHUNK
                    + " with groupSize dividing cols; got cols " + cols + ", groupSize " + groupSize);
        }
        long groups = (long) paddedRows(rows) * (cols / groupSize);
        if (packed.byteSize() != (long) paddedRows(rows) * cols / 2 || scales.byteSize() != groups * 2
                || zeros.byteSize() != groups) {
            throw new IllegalArgumentException("int4 weight segments do not match " + rows + "x" + cols + " in groups of " + groupSize);
        }
    }

    /** Whether this layout can hold a [rows × cols] weight in groups of groupSize. */
    public static boolean supportsShape(int cols, int groupSize) {
        return cols > 0 && groupSize > 0 && groupSize % CHUNK == 0 && cols % groupSize == 0;
    }

    /** The group sizes this layout runs for layers of these input sizes (multiples of {@link #CHUNK} dividing each). */
    public static List<Integer> groupSizesFor(Collection<Integer> inputSizes) {
        List<Integer> sizes = new ArrayList<>();
        int smallest = inputSizes.stream().mapToInt(Integer::intValue).min().orElse(0);
        for (int g = CHUNK; g <= smallest; g += CHUNK) {
            int group = g;
            if (inputSizes.stream().allMatch(cols -> supportsShape(cols, group))) {
                sizes.add(g);
            }
        }
        return sizes;
    }

    /** Rows as stored: rounded up to whole tiles. */
    public static int paddedRows(int rows) {
        return (rows + TILE_ROWS - 1) / TILE_ROWS * TILE_ROWS;
    }

    /** A weight on the SIMD kernel. */
    public static Int4GroupWeight of(MemorySegment packed, MemorySegment scales, MemorySegment zeros, int rows, int cols,
                                     int groupSize) {
        return new Int4GroupWeight(packed, scales, zeros, rows, cols, groupSize, Int4Kernels.simd());
    }

    /** The same weight on another kernel (the scalar reference in tests). */
    public Int4GroupWeight withKernel(Int4Kernel other) {
        return new Int4GroupWeight(packed, scales, zeros, rows, cols, groupSize, other);
    }

    public int groupsPerRow() {
        return cols / groupSize;
    }

    /** Bytes of one plane of {@link #packed}: one row of every tile. */
    public static long planeBytes(int rows, int cols) {
        return (long) (paddedRows(rows) / TILE_ROWS) * (cols / 2);
    }

    /** Bytes of one plane of this weight's {@link #packed}. */
    public long planeBytes() {
        return planeBytes(rows, cols);
    }

    /** Byte offset in {@link #packed} of row r's 64 bytes of chunk {@code chunk}, in a [rows × cols] weight. */
    public static long chunkOffset(int rows, int cols, int r, int chunk) {
        return (r % TILE_ROWS) * planeBytes(rows, cols) + (long) (r / TILE_ROWS) * (cols / 2)
                + (long) chunk * CHUNK_BYTES;
    }

    /** Index in {@link #scales} and {@link #zeros} of row r, group g. */
    public static long groupIndex(int groupsPerRow, int r, int g) {
        return ((long) (r / TILE_ROWS) * groupsPerRow + g) * TILE_ROWS + r % TILE_ROWS;
    }

    /** Byte offset in {@link #packed} of the word holding column c of row r: see the layout. */
    static long wordOffset(int rows, int cols, int r, int c) {
        return chunkOffset(rows, cols, r, c / CHUNK) + (long) (c % CHUNK % 16) * Integer.BYTES;
    }

    static int nibbleShift(int c) {
        return 4 * ((c % CHUNK) / 16);
    }

    /** q[r][c], 0..15. */
    public int q(int r, int c) {
        return (packed.get(WORD, wordOffset(rows, cols, r, c)) >>> nibbleShift(c)) & 0xF;
    }

    /** The zero point of row r, group g. */
    public int zero(int r, int g) {
        return zeros.get(ValueLayout.JAVA_BYTE, groupIndex(groupsPerRow(), r, g)) & 0xFF;
    }

    /** The scale of row r, group g. */
    public float scale(int r, int g) {
        return Float.float16ToFloat(scaleBits(r, g));
    }

    /** The scale of row r, group g, as stored (IEEE half bits). */
    public short scaleBits(int r, int g) {
        return scales.get(HALF, groupIndex(groupsPerRow(), r, g) * 2);
    }

    /** Element (r, c) dequantized; exact in F32 ((q − zero) has 5 bits, the scale 11). */
    public float get(int r, int c) {
        int g = c / groupSize;
        return (q(r, c) - zero(r, g)) * scale(r, g);
    }

    @Override
    public int inFeatures() {
        return cols;
    }

    @Override
    public int outFeatures() {
        return rows;
    }

    @Override
    public long byteSize() {
        return packed.byteSize() + scales.byteSize() + zeros.byteSize();
    }

    @Override
    public void multiply(float[] x, int tokens, float[] y, int rowStart, int rowEnd) {
        kernel.multiply(this, x, tokens, y, rowStart, rowEnd);
    }

    @Override
    public void readRow(int r, float[] dst, int offset) {
        for (int c = 0; c < cols; c++) {
            dst[offset + c] = get(r, c);
        }
    }
}
