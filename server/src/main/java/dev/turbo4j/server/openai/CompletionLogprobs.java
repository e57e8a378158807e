package dev.turbo4j.server.openai;

import java.util.List;
import java.util.Map;

/** Legacy completion logprobs: parallel lists per generated token. */
public record CompletionLogprobs(List<String> tokens, List<Float> tokenLogprobs, List<Map<String, Float>> topLogprobs,
                                 List<Integer> textOffset) {
}
