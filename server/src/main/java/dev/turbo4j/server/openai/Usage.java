package dev.turbo4j.server.openai;

/** Token counts of a request, as OpenAI reports them. */
public record Usage(int promptTokens, int completionTokens, int totalTokens) {
    public static Usage of(int prompt, int completion) {
        return new Usage(prompt, completion, prompt + completion);
    }
}
