package dev.turbo4j.core.quant;

import dev.turbo4j.core.kernel.Int4GroupWeight;
import dev.turbo4j.core.model.TensorParallel;

/**
 * A block of an {@link Int4GroupWeight} (a range of its rows, whole groups of its columns)
 * read as an {@link Int4Source}, so that a tensor-parallel shard can be repacked from a layer
 * however it was loaded (repacked from AWQ/GPTQ, or mapped from turbo4j-int4). The block
 * keeps the layer's groups, scales and zero points, so the shard's weights are the layer's.
 */
final class Int4Block implements Int4Source {
    private final Int4GroupWeight weight;
    private final TensorParallel.Block block;

    Int4Block(Int4GroupWeight weight, TensorParallel.Block block) {
        if (block.colStart() % weight.groupSize() != 0 || block.cols() % weight.groupSize() != 0) {
            throw new IllegalArgumentException("an int4 block must hold whole groups of " + weight.groupSize()
                    + " columns, not columns " + block.colStart() + " + " + block.cols());
        }
        this.weight = weight;
        this.block = block;
    }

    @Override
    public int rows() {
        return block.rows();
    }

    @Override
    public int cols() {
        return block.cols();
    }

    @Override
    public int groupSize() {
        return weight.groupSize();
    }

    @Override
    public void unpackRows(int row0, int count, byte[] dst) {
        // Whole groups are whole 128-column chunks: read each chunk's 16 words (8 columns each)
        // in storage order, the inverse of Int4Repacker's packing.
        int firstChunk = block.colStart() / Int4GroupWeight.CHUNK;
        int chunks = block.cols() / Int4GroupWeight.CHUNK;
        for (int i = 0; i < count; i++) {
            int r = block.rowStart() + row0 + i;
            for (int chunk = 0; chunk < chunks; chunk++) {
                long at = Int4GroupWeight.chunkOffset(weight.rows(), weight.cols(), r, firstChunk + chunk);
                int out = i * block.cols() + chunk * Int4GroupWeight.CHUNK;
                for (int k = 0; k < 16; k++) {
                    int word = weight.packed().get(QuantTensors.WORD, at + (long) k * Integer.BYTES);
                    for (int j = 0; j < 8; j++) {
                        dst[out + 16 * j + k] = (byte) ((word >>> (4 * j)) & 0xF);
                    }
                }
            }
        }
    }

    @Override
    public int zero(int r, int g) {
        return weight.zero(block.rowStart() + r, block.colStart() / weight.groupSize() + g);
    }

    @Override
    public short scaleBits(int r, int g) {
        return weight.scaleBits(block.rowStart() + r, block.colStart() / weight.groupSize() + g);
    }
}
