package dev.turbo4j.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code turbo4j lite}: model compression, as LMDeploy's {@code lmdeploy lite}. Each tool is
 * a subcommand class listed here.
 */
@Command(name = "lite", mixinStandardHelpOptions = true, description = "Compress models (quantization).",
        subcommands = {LiteAutoAwqCommand.class, LiteQuantizeCommand.class})
final class LiteCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
