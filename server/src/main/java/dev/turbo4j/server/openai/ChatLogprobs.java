package dev.turbo4j.server.openai;

import java.util.List;

/** Chat logprobs: {@code {"content": [{token, logprob, bytes, top_logprobs: [...]}], "refusal": null}}. */
public record ChatLogprobs(List<TokenLogprob> content, List<TokenLogprob> refusal) {

    public record TokenLogprob(String token, float logprob, int[] bytes, List<TopLogprob> topLogprobs) {
    }

    public record TopLogprob(String token, float logprob, int[] bytes) {
    }
}
