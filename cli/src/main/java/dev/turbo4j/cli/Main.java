package dev.turbo4j.cli;

import dev.turbo4j.core.chat.ChatTemplateException;
import dev.turbo4j.core.model.ModelLoadException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code turbo4j} command. */
@Command(name = "turbo4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "LLM inference and serving on the JVM.",
        subcommands = {ChatCommand.class, GenerateCommand.class, PplCommand.class, TokenizeCommand.class,
                ListCommand.class, CheckEnvCommand.class, ServeCommand.class, BenchCommand.class, LiteCommand.class,
                ConvertCommand.class, DevCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    static {
        // One short line per log record on stderr (the engine logs its KV pool size at start).
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s: %5$s%6$s%n");
        }
        // Jetty (api_server) logs through SLF4J: warnings and errors only, unless asked otherwise.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line; returns the exit code (for tests). */
    public static int run(String... args) {
        CommandLine cl = commandLine();
        return cl.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(Main::handleError);
        cl.setParameterExceptionHandler(Main::handleParameterError);
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** User errors print one line; only real bugs print a trace. */
    private static int handleError(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        if (e instanceof ModelLoadException || e instanceof UserException || e instanceof IllegalArgumentException
                || e instanceof dev.turbo4j.engine.RequestRejectedException || e instanceof ChatTemplateException) {
            err.println("turbo4j: " + e.getMessage());
            return 1;
        }
        if (e instanceof java.io.UncheckedIOException || e instanceof java.io.IOException) {
            err.println("turbo4j: " + e.getMessage());
            return 1;
        }
        err.println("turbo4j: internal error: " + e);
        e.printStackTrace(err);
        return 70;
    }

    private static int handleParameterError(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("turbo4j: " + e.getMessage());
        err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more information.");
        return 2;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"turbo4j " + (v == null ? "0.1.0-SNAPSHOT" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
