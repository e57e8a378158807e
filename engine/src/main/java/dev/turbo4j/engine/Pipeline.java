package dev.turbo4j.engine;

import dev.turbo4j.core.chat.ChatMessage;
import dev.turbo4j.core.chat.ChatTemplate;
import dev.turbo4j.core.chat.ChatTemplates;
import dev.turbo4j.core.model.LoadOptions;
import dev.turbo4j.core.sampling.GenerationConfig;
import dev.turbo4j.core.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The embedding API, like LMDeploy's {@code pipeline}: load a model folder, then generate
 * for many prompts at once (batched through the engine), stream, chat with kept sessions,
 * or score perplexity.
 *
 * <pre>{@code
 * try (Pipeline pipe = Pipeline.load(Path.of("models/kjv-llama-tiny"))) {
 *     List<GenerationResult> out = pipe.generate(List.of("Who is the LORD?", "What is love?"),
 *             pipe.defaults().withMaxNewTokens(32));
 *     out.forEach(r -> System.out.println(r.text()));
 * }
 * }</pre>
 */
public final class Pipeline implements AutoCloseable {
    private final LocalModel model;
    private final Engine engine;
    private final ChatTemplate template;
    private final AtomicLong chatIds = new AtomicLong(1L << 40);

    private Pipeline(LocalModel model, Engine engine, ChatTemplate template) {
        this.model = model;
        this.engine = engine;
        this.template = template;
    }

    /** Loads a folder with the default engine settings and the model's chat template. */
    public static Pipeline load(Path dir) {
        return load(dir, EngineConfig.defaults(), null);
    }

    /** Loads a folder; {@code chatTemplate} names a built-in or a .jinja file (null: the model's own). */
    public static Pipeline load(Path dir, EngineConfig config, String chatTemplate) {
        Objects.requireNonNull(dir, "dir must not be null; pass the model folder");
        Objects.requireNonNull(config, "config must not be null; use EngineConfig.defaults()");
        LocalModel model = LocalModel.open(dir, config.threads() > 0 ? config.threads()
                : dev.turbo4j.core.parallel.WorkerPool.defaultThreads(), LoadOptions.DEFAULT.withTp(config.tp()));
        try {
            ChatTemplate template = ChatTemplates.resolve(dir, chatTemplate);
            return new Pipeline(model, Engine.start(model, config), template);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    public Engine engine() {
        return engine;
    }

    public Tokenizer tokenizer() {
        return model.tokenizer();
    }

    public ChatTemplate chatTemplate() {
        return template;
    }

    /** The model's generation defaults (generation_config.json over LMDeploy's). */
    public GenerationConfig defaults() {
        return model.defaults();
    }

    /** Each prompt as one user message, with the chat template; all run concurrently in the engine. */
    public List<GenerationResult> generate(List<String> prompts, GenerationConfig config) throws InterruptedException {
        List<GenerationStream> streams = new ArrayList<>();
        for (String p : prompts) {
            streams.add(stream(p, config));
        }
        List<GenerationResult> out = new ArrayList<>();
        for (GenerationStream s : streams) {
            out.add(s.result());
        }
        return out;
    }

    /** One prompt as a user message, streamed. */
    public GenerationStream stream(String prompt, GenerationConfig config) {
        Objects.requireNonNull(prompt, "prompt must not be null");
        String text = template.render(List.of(ChatMessage.user(prompt)), true);
        return engine.generate(model.tokenizer().encode(text, false), config);
    }

    /** Raw text without a chat template (the tokenizer adds BOS where the model wants one). */
    public GenerationStream complete(String text, GenerationConfig config) {
        Objects.requireNonNull(text, "text must not be null");
        return engine.generate(model.tokenizer().encode(text, true), config);
    }

    /** A new multi-turn chat whose history stays in the engine. */
    public ChatSession newChat(String systemPrompt) {
        return new ChatSession(engine, template, systemPrompt, chatIds.getAndAdd(1L << 20));
    }

    /** Sends one message in a chat and waits for the whole answer. */
    public GenerationResult chat(ChatSession session, String message, GenerationConfig config) throws InterruptedException {
        return session.send(message, config, text -> { });
    }

    /**
     * Perplexity of one token sequence as a whole (LMDeploy's get_ppl): position i predicts
     * id i + 1. Runs on the engine thread between steps.
     */
    public double getPpl(int[] tokenIds) throws InterruptedException {
        return engine.perplexity(tokenIds);
    }

    @Override
    public void close() {
        engine.close();
        model.close();
    }
}
