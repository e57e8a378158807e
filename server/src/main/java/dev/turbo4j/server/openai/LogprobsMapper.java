package dev.turbo4j.server.openai;

import dev.turbo4j.core.sampling.TokenLogprobs;
import dev.turbo4j.core.tokenizer.StreamingDecoder;
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

    static ChatLogprobs chat(List<TokenLogprobs> tokens, TokenTexts texts) {
        List<ChatLogprobs.TokenLogprob> content = new ArrayList<>(tokens.size());
        for (TokenLogprobs t : tokens) {
            List<ChatLogprobs.TopLogprob> top = new ArrayList<>(t.topIds().length);
            for (int i = 0; i < t.topIds().length; i++) {
                String s = texts.of(t.topIds()[i]);
                top.add(new ChatLogprobs.TopLogprob(s, t.topLogprobs()[i], bytes(s)));
            }
            String s = texts.of(t.id());
            content.add(new ChatLogprobs.TokenLogprob(s, t.logprob(), bytes(s), top));
        }
        return new ChatLogprobs(content, null);
    }

    /** {@code offset}: where the first token's text starts in the choice's text. */
    static CompletionLogprobs completion(List<TokenLogprobs> tokens, TokenTexts texts, int offset) {
        List<String> tokenTexts = new ArrayList<>();
        List<Float> lps = new ArrayList<>();
        List<Map<String, Float>> tops = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        for (TokenLogprobs t : tokens) {
            String s = texts.of(t.id());
            tokenTexts.add(s);
            lps.add(t.logprob());
            Map<String, Float> top = new LinkedHashMap<>();
            for (int i = 0; i < t.topIds().length; i++) {
                top.putIfAbsent(texts.of(t.topIds()[i]), t.topLogprobs()[i]);
            }
            top.putIfAbsent(s, t.logprob()); // "always the logprob of the sampled token": up to logprobs + 1 entries
            tops.add(top);
            offsets.add(offset);
            offset += s.length();
        }
        return new CompletionLogprobs(tokenTexts, lps, tops, offsets);
    }

    /**
     * An echoed prompt's logprobs: every prompt token from text offset 0, the first with null
     * logprobs, the others from {@code lps} (entry i for {@code ids[i + 1]}). The offsets are
     * where each token's text starts in the echoed text, decoded as it was (so a BOS, which it
     * leaves out, takes no room, nor does the space a SentencePiece first word loses).
     */
    static CompletionLogprobs prompt(int[] ids, List<TokenLogprobs> lps, TokenTexts texts, Tokenizer tokenizer) {
        List<String> tokenTexts = new ArrayList<>();
        List<Float> logprobs = new ArrayList<>();
        List<Map<String, Float>> tops = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        int offset = 0;
        StreamingDecoder decoder = tokenizer.streamingDecoder(true);
        for (int i = 0; i < ids.length; i++) {
            String s = texts.of(ids[i]);
            tokenTexts.add(s);
            offsets.add(offset);
            offset += decoder.next(ids[i]).length();
            if (i == 0) {
                logprobs.add(null);
                tops.add(null);
                continue;
            }
            TokenLogprobs t = lps.get(i - 1);
            logprobs.add(t.logprob());
            Map<String, Float> top = new LinkedHashMap<>();
            for (int j = 0; j < t.topIds().length; j++) {
                top.putIfAbsent(texts.of(t.topIds()[j]), t.topLogprobs()[j]);
            }
            top.putIfAbsent(s, t.logprob());
            tops.add(top);
        }
        return new CompletionLogprobs(tokenTexts, logprobs, tops, offsets);
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
