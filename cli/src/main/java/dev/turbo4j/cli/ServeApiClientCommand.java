package dev.turbo4j.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * {@code turbo4j serve api_client URL}: {@code turbo4j chat}, but against a running api_server.
 * Each turn goes to /v1/chat/interactive with the session id, so the history stays on the
 * server and only the new message travels. As LMDeploy's api_client: {@code reset} (or
 * {@code end}) ends the session on the server and starts over, {@code exit} ends it and quits.
 */
@Command(name = "api_client", mixinStandardHelpOptions = true,
        description = {"Chat in the terminal with a running api_server (over /v1/chat/interactive; the history stays on the server).",
                "Type 'exit' to quit, 'reset' to start a new conversation; Ctrl-C stops an answer."})
final class ServeApiClientCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "URL", description = "The api_server, e.g. http://localhost:23333.")
    String url;

    @Option(names = "--api-key", paramLabel = "KEY", description = "API key, if the server was started with --api-keys.")
    String apiKey;

    @Option(names = "--session-id", paramLabel = "N", description = "Session id on the server (default: a random one); give an existing one to continue it.")
    Long sessionId;

    @Option(names = "--temperature", description = "Sampling temperature; 0 = greedy (default: the server's).")
    Float temperature;

    @Option(names = "--top-p", description = "Nucleus sampling mass in (0, 1] (default: the server's).")
    Float topP;

    @Option(names = "--top-k", description = "Keep the k most likely tokens; 0 = off (default: the server's).")
    Integer topK;

    @Option(names = "--max-new-tokens", description = "Tokens per answer at most (default: up to the session length).")
    Integer maxNewTokens;

    /** Where lines come from and answers go: the console, unless a test (or a pipe) gives streams. */
    InputStream input = System.in;
    OutputStream output = System.out;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (sessionId != null && sessionId < 0) {
            throw new UserException("--session-id must be >= 0, got " + sessionId);
        }
        long session = sessionId != null ? sessionId : ThreadLocalRandom.current().nextLong(1, 1L << 31);
        ApiServerClient server = new ApiServerClient(url, apiKey);
        String model = server.modelName(); // fails here, with one clear line, when nobody answers
        ApiServerClient.Sampling sampling = new ApiServerClient.Sampling(temperature, topP, topK, maxNewTokens);
        try (ChatConsole console = ChatConsole.open(input, output)) {
            PrintWriter out = console.writer();
            out.printf("turbo4j api_client — %s at %s, session %d. Type 'exit' to quit, 'reset' for a new chat, Ctrl-C stops an answer.%n",
                    model, server.url(), session);
            while (true) {
                String line = console.readLine("\n>>> ");
                String typed = line == null ? "exit" : line.strip(); // end of input: as 'exit'
                if (typed.isEmpty()) {
                    continue;
                }
                if (typed.equals("exit") || typed.equals("quit")) {
                    endQuietly(server, session, out);
                    break;
                }
                if (typed.equals("reset") || typed.equals("end")) {
                    try {
                        server.endSession(session);
                        out.println("(new conversation: the server ended session " + session + ")");
                    } catch (UserException e) { // the server is down: say so, and the chat goes on
                        out.println("error: " + e.getMessage());
                    }
                    continue;
                }
                Consumer<String> printer = console.answerPrinter();
                AbandonableTurn turn = AbandonableTurn.start(abandoned -> turn(out, text -> {
                    if (!abandoned.get()) {
                        printer.accept(text);
                    }
                }, server, session, typed, sampling, abandoned));
                console.interruptible(() -> {
                    Thread.ofVirtual().start(() -> cancelQuietly(server, session));
                    // A server that hangs answers neither the stream nor the cancel: stop waiting for it.
                    turn.abandonAfter(CANCEL_GRACE, () -> {
                        out.println();
                        out.println("(stopped waiting: the server did not end the answer within "
                                + CANCEL_GRACE.toSeconds() + " s of Ctrl-C)");
                        out.flush();
                    });
                }, () -> {
                    turn.await();
                    return null;
                });
            }
        }
        return 0;
    }

    /** One turn, its answer printed as it streams in, then its figures. */
    private static void turn(PrintWriter out, Consumer<String> answer, ApiServerClient server, long session,
                             String input, ApiServerClient.Sampling sampling, AtomicBoolean abandoned) {
        try {
            ApiServerClient.Turn t = server.chat(session, input, sampling, answer);
            if (abandoned.get()) {
                return;
            }
            double decodeSeconds = (t.totalNanos() - t.firstTextNanos()) / 1e9;
            double rate = t.last().tokens() > 1 && t.firstTextNanos() >= 0 && decodeSeconds > 0
                    ? (t.last().tokens() - 1) / decodeSeconds : 0;
            out.println();
            out.printf(Locale.ROOT, "[%d history tokens, %d prompt tokens, %d tokens, %.1f tok/s, finish: %s]%n",
                    t.last().historyTokens(), t.last().inputTokens(), t.last().tokens(), rate, t.last().finishReason());
        } catch (UserException e) {
            if (abandoned.get()) {
                return;
            }
            out.println();
            out.println("error: " + e.getMessage());
        }
        out.flush();
    }

    /** How long Ctrl-C waits for the server to end the answer before the console stops waiting. */
    static final Duration CANCEL_GRACE = Duration.ofSeconds(3);

    private static void cancelQuietly(ApiServerClient server, long session) {
        try {
            server.cancel(session); // the server stops the answer; what came stays in the session's history
        } catch (UserException e) {
            // the answer ended meanwhile, or the server is gone: nothing left to stop
        }
    }

    private static void endQuietly(ApiServerClient server, long session, PrintWriter out) {
        try {
            server.endSession(session);
        } catch (UserException e) {
            out.println("note: could not end session " + session + " on the server: " + e.getMessage());
        }
        out.flush();
    }
}
