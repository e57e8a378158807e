package dev.turbo4j.server.openai;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Legacy completion logprobs: parallel lists per token (generated, or echoed prompt tokens,
 * whose first has null logprobs: nothing predicts it).
 */
public record CompletionLogprobs(List<String> tokens, List<Float> tokenLogprobs, List<Map<String, Float>> topLogprobs,
                                 List<Integer> textOffset) {

    /** These lists, then {@code next}'s ({@code null}: these alone). */
    CompletionLogprobs followedBy(CompletionLogprobs next) {
        if (next == null) {
            return this;
        }
        return new CompletionLogprobs(concat(tokens, next.tokens), concat(tokenLogprobs, next.tokenLogprobs),
                concat(topLogprobs, next.topLogprobs), concat(textOffset, next.textOffset));
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
