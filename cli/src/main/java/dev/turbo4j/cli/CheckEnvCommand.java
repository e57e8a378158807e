package dev.turbo4j.cli;

import jdk.incubator.vector.FloatVector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/** The runtime environment, for bug reports. */
@Command(name = "check_env", aliases = "check-env", mixinStandardHelpOptions = true,
        description = "Print the JDK, vector width, cores and memory.")
final class CheckEnvCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        Runtime rt = Runtime.getRuntime();
        out.printf(Locale.ROOT, "turbo4j     %s%n", new Main.Version().getVersion()[0]);
        out.printf(Locale.ROOT, "java        %s (%s, %s)%n", Runtime.version(), System.getProperty("java.vendor"),
                System.getProperty("java.home"));
        out.printf(Locale.ROOT, "os          %s %s (%s)%n", System.getProperty("os.name"), System.getProperty("os.version"),
                System.getProperty("os.arch"));
        out.printf(Locale.ROOT, "vector      %d-bit preferred (%d floats per vector)%n",
                FloatVector.SPECIES_PREFERRED.vectorBitSize(), FloatVector.SPECIES_PREFERRED.length());
        out.printf(Locale.ROOT, "cores       %d%n", rt.availableProcessors());
        out.printf(Locale.ROOT, "heap        max %.1f GiB%n", rt.maxMemory() / (double) (1L << 30));
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            out.printf(Locale.ROOT, "memory      %.1f GiB total, %.1f GiB free%n", os.getTotalMemorySize() / (double) (1L << 30),
                    os.getFreeMemorySize() / (double) (1L << 30));
        }
        out.flush();
    }
}
