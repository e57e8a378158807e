package dev.turbo4j.cli;

import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The user's side of a terminal chat: on a real terminal, JLine (line editing, history, Ctrl-C
 * to stop an answer); with input from a pipe or a test, plain lines, so a scripted session
 * reads every line it was given (JLine's stream terminal drops what it buffered at end of input).
 */
final class ChatConsole implements AutoCloseable {
    private final Terminal terminal;
    private final LineReader lineReader;
    private final BufferedReader plainLines;
    private final PrintWriter out;

    private ChatConsole(Terminal terminal, BufferedReader plainLines, PrintWriter out) {
        this.terminal = terminal;
        this.plainLines = plainLines;
        this.out = out;
        this.lineReader = terminal == null ? null : LineReaderBuilder.builder().terminal(terminal)
                .variable(LineReader.HISTORY_FILE, Path.of(System.getProperty("user.home"), ".turbo4j_history")).build();
    }

    /** JLine when {@code in} is the console's terminal, plain lines otherwise. */
    static ChatConsole open(InputStream in, OutputStream out) throws IOException {
        if (in == System.in && System.console() != null && System.console().isTerminal()) {
            Terminal terminal = TerminalBuilder.builder().system(true).dumb(true).build();
            return new ChatConsole(terminal, null, terminal.writer());
        }
        return new ChatConsole(null, new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)),
                new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
    }

    PrintWriter writer() {
        return out;
    }

    /** The next line typed after {@code prompt}; null at the end of input; "" after Ctrl-C at the prompt. */
    String readLine(String prompt) throws IOException {
        if (lineReader == null) {
            out.print(prompt);
            out.flush();
            String line = plainLines.readLine();
            if (line == null) { // end of piped input: end the prompt's line, as a terminal's Ctrl-D does
                out.println();
                out.flush();
            }
            return line;
        }
        try {
            return lineReader.readLine(prompt);
        } catch (UserInterruptException e) {
            return "";
        } catch (EndOfFileException e) {
            return null;
        }
    }

    /**
     * Prints one answer as it streams in, from its first visible character: the first word of a
     * SentencePiece answer carries the space that separates it from the prompt.
     */
    Consumer<String> answerPrinter() {
        return new Consumer<>() {
            private boolean started;

            @Override
            public void accept(String text) {
                String shown = started ? text : text.stripLeading();
                if (shown.isEmpty()) {
                    return;
                }
                started = true;
                out.print(shown);
                out.flush();
            }
        };
    }

    /** A turn's work: it may wait on the engine or the server. */
    @FunctionalInterface
    interface Turn<T> {
        T run() throws InterruptedException;
    }

    /** Runs {@code work}; Ctrl-C meanwhile calls {@code onInterrupt} (on a terminal) instead of ending the program. */
    <T> T interruptible(Runnable onInterrupt, Turn<T> work) throws InterruptedException {
        if (terminal == null) {
            return work.run();
        }
        Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.INT, s -> onInterrupt.run());
        try {
            return work.run();
        } finally {
            terminal.handle(Terminal.Signal.INT, previous);
        }
    }

    @Override
    public void close() throws IOException {
        out.flush();
        if (terminal != null) {
            terminal.close();
        }
    }
}
