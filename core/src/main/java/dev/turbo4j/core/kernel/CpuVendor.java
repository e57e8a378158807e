package dev.turbo4j.core.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CPU's vendor, for the few kernel choices whose measured best differs between vendors'
 * vector units at the same width (AMD's AVX-512 runs 512-bit FMAs as two 256-bit halves,
 * Intel's server cores issue them whole). Read once from {@code /proc/cpuinfo}; elsewhere
 * {@link #OTHER}.
 */
enum CpuVendor {
    INTEL, AMD, OTHER;

    /** This machine's vendor. */
    static final CpuVendor CURRENT = detect();

    /** The vendor named by the first {@code vendor_id} line of a /proc/cpuinfo text. */
    static CpuVendor parse(String cpuinfo) {
        for (String line : cpuinfo.split("\n")) {
            if (line.startsWith("vendor_id")) {
                String id = line.substring(line.indexOf(':') + 1).trim();
                return switch (id) {
                    case "GenuineIntel" -> INTEL;
                    case "AuthenticAMD" -> AMD;
                    default -> OTHER;
                };
            }
        }
        return OTHER;
    }

    private static CpuVendor detect() {
        try {
            return parse(Files.readString(Path.of("/proc/cpuinfo")));
        } catch (IOException | RuntimeException e) {
            return OTHER;
        }
    }
}
