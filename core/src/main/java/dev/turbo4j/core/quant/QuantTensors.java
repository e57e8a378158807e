package dev.turbo4j.core.quant;

import dev.turbo4j.core.model.ModelLoadException;
import dev.turbo4j.core.safetensors.TensorInfo;
import dev.turbo4j.core.safetensors.TensorStore;
import dev.turbo4j.core.tensor.DType;
import dev.turbo4j.core.tensor.Float16;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/** Reading the tensors of quantized layers: checked lookups and element access in their stored types. */
final class QuantTensors {
    static final ValueLayout.OfInt WORD = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private QuantTensors() {
    }

    /** The tensor, checked to have one of the dtypes and a rank-2 shape; {@code layout} names the format in errors. */
    static TensorInfo get(TensorStore store, String name, String layout, DType... dtypes) {
        TensorInfo t = store.get(name);
        if (Arrays.stream(dtypes).noneMatch(d -> d == t.dtype())) {
            throw new ModelLoadException(store.dir() + ": tensor '" + name + "' has dtype " + t.dtype() + " but " + layout
                    + " stores it as " + Arrays.toString(dtypes));
        }
        if (t.rank() != 2) {
            throw new ModelLoadException(store.dir() + ": tensor '" + name + "' has shape " + t.shapeString() + "; " + layout
                    + " stores a matrix");
        }
        return t;
    }

    /** Fails unless t has exactly this shape. */
    static void checkShape(TensorStore store, TensorInfo t, String layout, long rows, long cols) {
        if (t.shape()[0] != rows || t.shape()[1] != cols) {
            throw new ModelLoadException(store.dir() + ": tensor '" + t.name() + "' has shape " + t.shapeString() + " but "
                    + layout + " needs [" + rows + ", " + cols + "] here");
        }
    }

    static int word(MemorySegment s, long index) {
        return s.getAtIndex(WORD, index);
    }

    /** Element i of an F16/BF16/F32 tensor as half bits (BF16 and F32 rounded to F16). */
    static short halfBits(TensorInfo t, long index) {
        return switch (t.dtype()) {
            case F16 -> t.data().getAtIndex(HALF, index);
            case BF16 -> Float.floatToFloat16(Float16.bf16ToFloat(t.data().getAtIndex(HALF, index)));
            case F32 -> Float.floatToFloat16(t.data().getAtIndex(FLOAT, index));
            default -> throw new IllegalStateException(t.toString());
        };
    }
}
