package dev.turbo4j.cli;

import dev.turbo4j.core.chat.ChatTemplate;
import dev.turbo4j.core.chat.ChatTemplates;
import dev.turbo4j.core.sampling.GenerationConfig;
import dev.turbo4j.engine.ChatSession;
import dev.turbo4j.engine.Engine;
import dev.turbo4j.engine.GenerationResult;
import dev.turbo4j.engine.LocalModel;
import dev.turbo4j.engine.RequestRejectedException;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

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

    @Override
    public Integer call() throws Exception {
        Path dir = ModelPaths.resolve(model);
        try (Terminal terminal = TerminalBuilder.builder().system(true).dumb(true).build();
             LocalModel lm = LocalModel.open(dir, engine.threads(), engine.loadOptions())) {
            PrintWriter out = terminal.writer();
            ChatTemplate template = ChatTemplates.resolve(dir, chatTemplate);
            GenerationConfig config = sampling.apply(lm.defaults());
            try (Engine eng = Engine.start(lm, engine.config().withMaxBatchSize(1));
                 ChatSession session = new ChatSession(eng, template, system, 1)) {
                int sessionLen = eng.sessionLen();
                out.printf("turbo4j chat — %s (%s, template %s, session length %d). Type 'exit' to quit, 'reset' for a new chat.%n",
                        dir.getFileName(), lm.model().config().architecture().hfName(), template.name(), sessionLen);
                out.flush();
                LineReader reader = LineReaderBuilder.builder().terminal(terminal)
                        .variable(LineReader.HISTORY_FILE, Path.of(System.getProperty("user.home"), ".turbo4j_history"))
                        .build();
                while (true) {
                    String line;
                    try {
                        line = reader.readLine("\n>>> ");
                    } catch (UserInterruptException e) {
                        continue;
                    } catch (EndOfFileException e) {
                        break;
                    }
                    String input = line.strip();
                    if (input.isEmpty()) {
                        continue;
                    }
                    if (input.equals("exit") || input.equals("quit")) {
                        break;
                    }
                    if (input.equals("reset")) {
                        session.reset();
                        out.println("(new conversation)");
                        out.flush();
                        continue;
                    }
                    GenerationResult r;
                    try {
                        r = session.send(input, config, text -> {
                            out.print(text);
                            out.flush();
                        });
                    } catch (RequestRejectedException e) {
                        out.println("turbo4j: " + e.getMessage());
                        out.flush();
                        continue;
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
        }
        return 0;
    }
}
