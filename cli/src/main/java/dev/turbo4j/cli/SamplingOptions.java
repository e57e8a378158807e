package dev.turbo4j.cli;

import dev.turbo4j.core.sampling.GenerationConfig;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** Sampling and stopping flags shared by chat and generate; unset flags keep the model's defaults. */
final class SamplingOptions {
    @Option(names = "--max-new-tokens", description = "Tokens to generate at most (default: ${DEFAULT-VALUE}).", defaultValue = "512")
    int maxNewTokens;

    @Option(names = "--temperature", description = "Sampling temperature; 0 = greedy (default: the model's generation_config.json, else 0.8).")
    Float temperature;

    @Option(names = "--top-p", description = "Nucleus sampling: keep the most likely tokens up to this probability mass (0, 1].")
    Float topP;

    @Option(names = "--top-k", description = "Keep the k most likely tokens; 0 = off.")
    Integer topK;

    @Option(names = "--min-p", description = "Drop tokens below min-p × the top probability; 0 = off.")
    Float minP;

    @Option(names = "--repetition-penalty", description = "Penalise tokens already in the context; 1 = off.")
    Float repetitionPenalty;

    @Option(names = "--seed", description = "Random seed: the same seed gives the same output.")
    Long seed;

    @Option(names = "--stop", description = "Stop when this string appears (repeatable); it is not printed.")
    List<String> stop = new ArrayList<>();

    @Option(names = "--stop-token-ids", split = ",", description = "Extra token ids that end generation (comma-separated).")
    List<Integer> stopTokenIds = new ArrayList<>();

    @Option(names = "--ignore-eos", description = "Keep generating past the end-of-sequence token.")
    boolean ignoreEos;

    /** The model's defaults with the flags given applied; vocabSize bounds --stop-token-ids. */
    GenerationConfig apply(GenerationConfig defaults, int vocabSize) {
        for (int id : stopTokenIds) {
            if (id < 0 || id >= vocabSize) {
                throw new UserException("--stop-token-ids " + id + " is not a token id of this model; its ids are 0 to "
                        + (vocabSize - 1));
            }
        }
        try {
            GenerationConfig c = defaults.withMaxNewTokens(maxNewTokens).withStopWords(stop)
                    .withStopTokenIds(stopTokenIds).withIgnoreEos(ignoreEos);
            if (temperature != null) {
                c = c.withTemperature(temperature);
            }
            if (topP != null) {
                c = c.withTopP(topP);
            }
            if (topK != null) {
                c = c.withTopK(topK);
            }
            if (minP != null) {
                c = c.withMinP(minP);
            }
            if (repetitionPenalty != null) {
                c = c.withRepetitionPenalty(repetitionPenalty);
            }
            if (seed != null) {
                c = c.withRandomSeed(seed);
            }
            return c;
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage().replace('_', '-').replace("max-new-tokens", "--max-new-tokens"));
        }
    }
}
