package dev.turbo4j.server.openai;

import dev.turbo4j.core.sampling.GenerationConfig;
import dev.turbo4j.engine.GenerationResult;
import dev.turbo4j.engine.GenerationStream;
import dev.turbo4j.engine.RequestRejectedException;
import dev.turbo4j.engine.SubmitFlags;
import dev.turbo4j.server.Admission;
import dev.turbo4j.server.ServedModel;
import dev.turbo4j.server.http.ApiException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The generations behind one OpenAI request: {@code n} choices for each prompt, each its own
 * engine request so they batch together (real fan-out). Choice {@code i} answers prompt
 * {@code i / n}, as OpenAI numbers them; with a seed, choice {@code i} samples with seed + i,
 * so the choices differ yet the request is reproducible.
 */
final class Choices {
    /** Added on the request's thread, cancelled from a shutdown's: hence a concurrent list. */
    private final List<GenerationStream> streams;
    private final int[] promptLengths;
    private final int n;
    private volatile boolean cancelled;

    private Choices(List<GenerationStream> streams, int[] promptLengths, int n) {
        this.streams = streams;
        this.promptLengths = promptLengths;
        this.n = n;
    }

    /**
     * Submits every choice and waits until the engine has accepted them all, so that a refusal
     * (too long, session busy) becomes a 400 naming {@code promptParam} before any reply starts.
     */
    static Choices submit(ServedModel model, List<int[]> prompts, int n, GenerationConfig config, Long sessionId,
                          String promptParam, Admission.Ticket ticket) throws InterruptedException {
        int[] lengths = new int[prompts.size()];
        for (int p = 0; p < prompts.size(); p++) {
            model.checkLength(prompts.get(p).length, promptParam);
            lengths[p] = prompts.get(p).length;
        }
        List<GenerationStream> streams = new CopyOnWriteArrayList<>();
        Choices choices = new Choices(streams, lengths, n);
        ticket.onAbort(choices::cancelAll);
        List<int[]> inputs = new ArrayList<>(prompts.size() * n);
        List<GenerationConfig> configs = new ArrayList<>(prompts.size() * n);
        for (int[] ids : prompts) {
            for (int i = 0; i < n; i++) {
                inputs.add(ids);
                // Choice i of every prompt draws from seed + i: a prompt's answers do not depend on its place in the list.
                configs.add(config.randomSeed() == null ? config : config.withRandomSeed(config.randomSeed() + i));
            }
        }
        if (sessionId != null) {
            for (int i = 0; i < inputs.size(); i++) {
                streams.add(model.engine().submit(sessionId, inputs.get(i), configs.get(i), SubmitFlags.STATELESS));
            }
        } else {
            // All choices enter the same engine step: their batches, so a seeded call's results, never depend on timing.
            streams.addAll(model.engine().generateAll(inputs, configs));
        }
        if (choices.cancelled) { // a shutdown's abort came while they were being submitted
            choices.cancelAll();
        }
        try {
            for (GenerationStream s : streams) {
                s.awaitAccepted();
            }
        } catch (RequestRejectedException e) {
            choices.cancelAll();
            throw ApiException.invalid(promptParam, e.getMessage());
        }
        return choices;
    }

    int size() {
        return streams.size();
    }

    GenerationStream stream(int choice) {
        return streams.get(choice);
    }

    /** Prompt tokens of the prompt that choice {@code choice} answers. */
    int promptTokens(int choice) {
        return promptLengths[choice / n];
    }

    int promptIndex(int choice) {
        return choice / n;
    }

    /** Waits for every choice to end. */
    List<GenerationResult> results() throws InterruptedException {
        List<GenerationResult> out = new ArrayList<>(streams.size());
        for (GenerationStream s : streams) {
            out.add(s.result());
        }
        return out;
    }

    /** OpenAI counts each prompt once and every choice's tokens. */
    Usage usage(List<GenerationResult> results) {
        int prompt = 0;
        for (int len : promptLengths) {
            prompt += len;
        }
        int completion = 0;
        for (GenerationResult r : results) {
            completion += r.completionTokens();
        }
        return Usage.of(prompt, completion);
    }

    void cancelAll() {
        cancelled = true;
        streams.forEach(GenerationStream::cancel);
    }

    /** Streams a choice's outputs to the client. */
    @FunctionalInterface
    interface ChoiceWriter {
        void write(int choice, GenerationStream stream) throws InterruptedException;
    }

    /**
     * Runs {@code writer} for every choice, each on its own virtual thread when there are
     * several; if one fails (say, the client left), every choice is cancelled and the first
     * failure rethrown once all have stopped.
     */
    void streamAll(ChoiceWriter writer) throws InterruptedException {
        if (streams.size() == 1) {
            try {
                writer.write(0, streams.getFirst());
            } catch (RuntimeException | InterruptedException e) {
                cancelAll();
                throw e;
            }
            return;
        }
        RuntimeException[] failure = new RuntimeException[1];
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < streams.size(); i++) {
            int choice = i;
            threads.add(Thread.ofVirtual().name("choice-" + i).start(() -> {
                try {
                    writer.write(choice, streams.get(choice));
                } catch (RuntimeException | InterruptedException e) {
                    synchronized (failure) {
                        if (failure[0] == null) {
                            failure[0] = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                        }
                    }
                    cancelAll();
                }
            }));
        }
        try {
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            cancelAll();
            throw e;
        }
        if (failure[0] != null) {
            throw failure[0];
        }
    }
}
