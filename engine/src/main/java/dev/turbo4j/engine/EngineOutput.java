package dev.turbo4j.engine;

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
 */
public record EngineOutput(int[] tokenIds, String text, FinishReason finishReason, int promptTokens,
                           int completionTokens, int historyTokens) {

    public boolean finished() {
        return finishReason != null;
    }
}
