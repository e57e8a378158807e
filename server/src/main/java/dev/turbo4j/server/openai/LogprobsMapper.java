package dev.turbo4j.server.openai;

import dev.turbo4j.core.sampling.TokenLogprobs;
import dev.turbo4j.core.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The engine's per-token log-probabilities in OpenAI's two shapes (chat and legacy completions). */
final class LogprobsMapper {
    private LogprobsMapper() {
    }

    static ChatLogprobs chat(List<TokenLogprobs> tokens, Tokenizer tokenizer) {
        List<ChatLogprobs.TokenLogprob> content = new ArrayList<>(tokens.size());
        for (TokenLogprobs t : tokens) {
            List<ChatLogprobs.TopLogprob> top = new ArrayList<>(t.topIds().length);
            for (int i = 0; i < t.topIds().length; i++) {
                String s = text(tokenizer, t.topIds()[i]);
                top.add(new ChatLogprobs.TopLogprob(s, t.topLogprobs()[i], bytes(s)));
            }
            String s = text(tokenizer, t.id());
            content.add(new ChatLogprobs.TokenLogprob(s, t.logprob(), bytes(s), top));
        }
        return new ChatLogprobs(content, null);
    }

    /** {@code offset}: where the first token's text starts in the choice's text. */
    static CompletionLogprobs completion(List<TokenLogprobs> tokens, Tokenizer tokenizer, int offset) {
        List<String> texts = new ArrayList<>();
        List<Float> lps = new ArrayList<>();
        List<Map<String, Float>> tops = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        for (TokenLogprobs t : tokens) {
            String s = text(tokenizer, t.id());
            texts.add(s);
            lps.add(t.logprob());
            Map<String, Float> top = new LinkedHashMap<>();
            for (int i = 0; i < t.topIds().length; i++) {
                top.putIfAbsent(text(tokenizer, t.topIds()[i]), t.topLogprobs()[i]);
            }
            tops.add(top);
            offsets.add(offset);
            offset += s.length();
        }
        return new CompletionLogprobs(texts, lps, tops, offsets);
    }

    private static String text(Tokenizer tokenizer, int id) {
        return tokenizer.decode(new int[] {id}, false);
    }

    private static int[] bytes(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] & 0xFF;
        }
        return out;
    }
}
