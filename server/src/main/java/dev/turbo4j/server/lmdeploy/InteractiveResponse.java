package dev.turbo4j.server.lmdeploy;

/**
 * The reply of /v1/chat/interactive, and each streamed line of it (LMDeploy's GenerateResponse).
 *
 * @param text          the answer (streamed: the text new since the last line)
 * @param tokens        tokens generated so far in this turn
 * @param inputTokens   tokens of this turn's prompt
 * @param historyTokens tokens the session already held before this turn
 * @param finishReason  stop / length / abort on the last line, null before
 */
public record InteractiveResponse(String text, int tokens, int inputTokens, int historyTokens, String finishReason) {

    static InteractiveResponse empty() {
        return new InteractiveResponse("", 0, 0, 0, "stop");
    }
}
