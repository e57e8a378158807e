package dev.turbo4j.engine;

import dev.turbo4j.core.sampling.TokenLogprobs;

import java.util.List;

/**
 * What a request produced since the consumer last looked: new token ids and the text they
 * completed. The last output of a request carries its finish reason (null before).
 *
 * @param tokenIds          new generated ids (possibly several when the consumer lagged)
 * @param text              new text (stop strings and incomplete characters held back)
 * @param finishReason      set on the final output
 * @param promptTokens      tokens of this request's input prefilled in total
 * @param completionTokens  tokens generated so far
 * @param historyTokens     tokens the session held before this request
 * @param logprobs          per new id, its log-probabilities; empty unless the config asked for them
 */
public record EngineOutput(int[] tokenIds, String text, FinishReason finishReason, int promptTokens,
                           int completionTokens, int historyTokens, List<TokenLogprobs> logprobs) {

    public boolean finished() {
        return finishReason != null;
    }
}
