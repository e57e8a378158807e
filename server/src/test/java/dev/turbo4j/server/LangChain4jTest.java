package dev.turbo4j.server;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** LangChain4j's OpenAI module, unchanged, pointed at our URL. */
class LangChain4jTest {
    static TestServer ts;

    @BeforeAll
    static void start() {
        ts = TestServer.start();
    }

    @AfterAll
    static void stop() {
        ts.close();
    }

    @Test
    void chatModel() {
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(ts.url() + "/v1").apiKey("unused")
                .modelName(TestServer.MODEL).temperature(0.0).maxTokens(16).build();
        ChatResponse r = model.chat(dev.langchain4j.data.message.UserMessage.from("Who is the LORD?"));
        assertThat(r.aiMessage().text()).isNotBlank();
        assertThat(r.tokenUsage().outputTokenCount()).isBetween(1, 16);
        assertThat(r.metadata().modelName()).isEqualTo(TestServer.MODEL);
    }

    @Test
    void streamingChatModel() throws Exception {
        OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder().baseUrl(ts.url() + "/v1").apiKey("unused")
                .modelName(TestServer.MODEL).temperature(0.0).maxTokens(16).build();
        StringBuilder partial = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat("In the beginning", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String text) {
                partial.append(text);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        assertThat(partial.toString()).isNotBlank().isEqualTo(r.aiMessage().text());
        OpenAiChatModel whole = OpenAiChatModel.builder().baseUrl(ts.url() + "/v1").apiKey("unused")
                .modelName(TestServer.MODEL).temperature(0.0).maxTokens(16).build();
        assertThat(whole.chat("In the beginning")).isEqualTo(r.aiMessage().text());
    }
}
