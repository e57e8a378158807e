package dev.turbo4j.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Serving, as LMDeploy's {@code lmdeploy serve}: the api_server, a terminal client for it, and the web chat UI. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve a model over HTTP.",
        subcommands = {ServeApiServerCommand.class, ServeApiClientCommand.class, ServeWebUiCommand.class})
final class ServeCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
