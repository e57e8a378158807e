package dev.turbo4j.cli;

import dev.turbo4j.core.chat.ChatTemplates;
import dev.turbo4j.core.model.Architecture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;

/** What this build supports. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List supported architectures and built-in chat templates.")
final class ListCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("Architectures (config.json \"architectures\"):");
        for (Architecture a : Architecture.values()) {
            out.println("  " + a.hfName());
        }
        out.println("Built-in chat templates (--chat-template NAME):");
        for (String name : ChatTemplates.builtinNames()) {
            out.println("  " + name);
        }
        out.flush();
    }
}
