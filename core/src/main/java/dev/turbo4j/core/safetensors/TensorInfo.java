package dev.turbo4j.core.safetensors;

import dev.turbo4j.core.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/** One tensor of a safetensors file: its name, dtype, shape and (mapped) bytes. */
public record TensorInfo(String name, DType dtype, long[] shape, MemorySegment data) {

    /** Number of elements (product of the shape; 1 for a scalar). */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Dimension i as an int (every dimension we use fits). */
    public int dim(int i) {
        return Math.toIntExact(shape[i]);
    }

    public int rank() {
        return shape.length;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + shapeString();
    }
}
