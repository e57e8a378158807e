package dev.turbo4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turbo4j.core.chat.ChatMessage;
import dev.turbo4j.core.chat.ChatTemplates;
import dev.turbo4j.core.sampling.GenerationConfig;
import dev.turbo4j.engine.Engine;
import dev.turbo4j.engine.EngineOutput;
import dev.turbo4j.engine.GenerationResult;
import dev.turbo4j.engine.GenerationStream;
import dev.turbo4j.engine.LocalModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** One-shot generation for scripts. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate a continuation of a prompt.")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "Model folder.")
    String model;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The prompt.")
    String prompt;

    @Option(names = "--chat", description = "Apply the chat template (the prompt is one user message).")
    boolean chat;

    @Option(names = "--chat-template", paramLabel = "NAME", description = "Built-in template name or a .jinja file (with --chat).")
    String chatTemplate;

    @Option(names = "--system", paramLabel = "TEXT", description = "System prompt (with --chat).")
    String system;

    @Option(names = "--json", description = "Print {text, token_ids, prompt_tokens, completion_tokens, finish_reason}.")
    boolean json;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() throws Exception {
        Path dir = ModelPaths.resolve(model);
        PrintWriter out = spec.commandLine().getOut();
        try (LocalModel lm = LocalModel.open(dir, engine.threads(), engine.loadOptions())) {
            GenerationConfig config = sampling.apply(lm.defaults(), lm.model().config().vocabSize());
            int[] ids;
            if (chat) {
                List<ChatMessage> messages = system == null ? List.of(new ChatMessage("user", prompt))
                        : List.of(new ChatMessage("system", system), new ChatMessage("user", prompt));
                ids = lm.tokenizer().encode(ChatTemplates.resolve(dir, chatTemplate).render(messages, true), false);
            } else {
                ids = lm.tokenizer().encode(prompt, true);
            }
            try (Engine eng = Engine.start(lm, engine.config().withMaxBatchSize(1))) {
                GenerationStream stream = eng.generate(ids, config);
                for (EngineOutput o : stream) {
                    if (!json) {
                        out.print(o.text());
                        out.flush();
                    }
                }
                GenerationResult r = stream.result();
                if (json) {
                    ObjectMapper mapper = new ObjectMapper();
                    ObjectNode node = mapper.createObjectNode();
                    node.put("text", r.text());
                    var arr = node.putArray("token_ids");
                    for (int id : r.tokenIds()) {
                        arr.add(id);
                    }
                    node.put("prompt_tokens", r.promptTokens());
                    node.put("completion_tokens", r.completionTokens());
                    node.put("finish_reason", r.finishReason().openAiName());
                    out.println(mapper.writeValueAsString(node));
                } else {
                    out.println();
                }
                out.flush();
            }
        }
        return 0;
    }
}
