package dev.turbo4j.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Serving, as LMDeploy's {@code lmdeploy serve}: api_server now; api_client and webui join here. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve a model over HTTP.",
        subcommands = {ServeApiServerCommand.class})
final class ServeCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
