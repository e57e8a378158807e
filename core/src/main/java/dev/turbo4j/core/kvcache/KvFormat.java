package dev.turbo4j.core.kvcache;

/** How keys and values are stored in the cache blocks. */
public enum KvFormat {
    F32(4),
    BF16(2);

    private final int bytesPerElement;

    KvFormat(int bytesPerElement) {
        this.bytesPerElement = bytesPerElement;
    }

    public int bytesPerElement() {
        return bytesPerElement;
    }
}
