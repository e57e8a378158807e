package dev.turbo4j.cli;

import dev.turbo4j.core.chat.ChatTemplateException;
import dev.turbo4j.core.chat.ChatTemplate;
import dev.turbo4j.core.chat.ChatTemplates;
import dev.turbo4j.core.sampling.GenerationConfig;
import dev.turbo4j.engine.ChatSession;
import dev.turbo4j.engine.Engine;
import dev.turbo4j.engine.GenerationResult;
import dev.turbo4j.engine.LocalModel;
import dev.turbo4j.engine.RequestRejectedException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Interactive chat in the terminal; the session's KV cache stays between turns. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {"Chat with a model in the terminal (streaming, multi-turn).",
                "Type 'exit' to quit, 'reset' to start a new conversation."})
final class ChatCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL", description = "Model folder (default: the bundled demo model).")
    String model;

    @Option(names = "--chat-template", paramLabel = "NAME", description = "Built-in template name or a .jinja file (default: the model's own).")
    String chatTemplate;

    @Option(names = "--system", paramLabel = "TEXT", description = "System prompt.")
    String system;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    EngineOptions engine;

    /** Where lines come from and answers go: the console, unless a test (or a pipe) gives streams. */
    InputStream input = System.in;
    OutputStream output = System.out;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path dir = ModelPaths.resolve(model);
        try (LocalModel lm = LocalModel.open(dir, engine.threads(), engine.loadOptions());
             ChatConsole console = ChatConsole.open(input, output)) {
            PrintWriter out = console.writer();
            ChatTemplate template = ChatTemplates.resolve(dir, chatTemplate);
            GenerationConfig config = sampling.apply(lm.defaults(), lm.model().config().vocabSize());
            try (Engine eng = Engine.start(lm, engine.config().withMaxBatchSize(1));
                 ChatSession session = new ChatSession(eng, template, system, 1)) {
                out.printf("turbo4j chat — %s (%s, template %s, session length %d). Type 'exit' to quit, 'reset' for a new chat, Ctrl-C stops an answer.%n",
                        dir.getFileName(), lm.model().config().architecture().hfName(), template.name(), eng.sessionLen());
                while (true) {
                    String line = console.readLine("\n>>> ");
                    String typed = line == null ? "exit" : line.strip(); // end of input: as 'exit'
                    if (typed.isEmpty()) {
                        continue;
                    }
                    if (typed.equals("exit") || typed.equals("quit")) {
                        break;
                    }
                    if (typed.equals("reset")) {
                        session.reset();
                        out.println("(new conversation)");
                        out.flush();
                        continue;
                    }
                    turn(console, eng, session, typed, config);
                }
            }
        }
        return 0;
    }

    /** One turn, its answer printed as it streams out, then its figures; Ctrl-C stops the answer, which stays in the history. */
    private static void turn(ChatConsole console, Engine eng, ChatSession session, String input, GenerationConfig config)
            throws InterruptedException {
        PrintWriter out = console.writer();
        GenerationResult r;
        try {
            r = console.interruptible(() -> eng.cancel(session.sessionId()),
                    () -> session.send(input, config, console.answerPrinter()));
        } catch (RequestRejectedException | ChatTemplateException e) {
            out.println("turbo4j: " + e.getMessage());
            out.flush();
            return;
        }
        out.println();
        out.printf(Locale.ROOT, "[%d prompt tokens, %d tokens, %.1f tok/s, first token %.0f ms, finish: %s]%n",
                r.promptTokens(), r.completionTokens(), r.decodeTokensPerSecond(), r.firstTokenNanos() / 1e6,
                r.finishReason().openAiName());
        int used = session.usedTokens();
        if (used >= session.sessionLen() * 0.8) {
            out.printf("warning: this session uses %d of %d tokens; type 'reset' to start a new one.%n",
                    used, session.sessionLen());
        }
        out.flush();
    }
}
