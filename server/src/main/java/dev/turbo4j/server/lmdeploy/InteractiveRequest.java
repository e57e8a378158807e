package dev.turbo4j.server.lmdeploy;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * POST /v1/chat/interactive, LMDeploy 0.9's GenerateRequest. Defaults as LMDeploy's:
 * session_id -1 (a new one), interactive_mode false, top_p 0.8, top_k 40, temperature 0.8.
 *
 * @param prompt           the new user turn (only it: the history stays on the server)
 * @param interactiveMode  true keeps the session's history for the next call; false ends the
 *                         session after this call (and with an empty prompt and
 *                         request_output_len 0, just ends it)
 * @param requestOutputLen tokens to generate at most; null = up to the session length
 * @param cancel           stop the session's running generation (its history is kept)
 * @param stop             a string or a list of strings
 */
public record InteractiveRequest(String prompt, Long sessionId, Boolean interactiveMode, Boolean stream, JsonNode stop,
                                 Integer requestOutputLen, Float topP, Integer topK, Float temperature,
                                 Float repetitionPenalty, Boolean ignoreEos, Boolean skipSpecialTokens, Boolean cancel,
                                 Long seed, Integer minNewTokens, Float minP) {
}
