package dev.turbo4j.server;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The official OpenAI Java SDK, unchanged, against our server. */
class OpenAiSdkTest {
    static TestServer ts;
    static OpenAIClient client;

    @BeforeAll
    static void start() {
        ts = TestServer.start();
        client = OpenAIOkHttpClient.builder().baseUrl(ts.url() + "/v1").apiKey("unused").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        ts.close();
    }

    @Test
    void listsTheModel() {
        List<Model> models = client.models().list().data();
        assertThat(models).extracting(Model::id).containsExactly(TestServer.MODEL);
        assertThat(models.getFirst().ownedBy()).isEqualTo("turbo4j");
    }

    @Test
    void retrievesTheModelAndNoOther() {
        Model model = client.models().retrieve(TestServer.MODEL);
        assertThat(model.id()).isEqualTo(TestServer.MODEL);
        assertThat(model.ownedBy()).isEqualTo("turbo4j");
        assertThatThrownBy(() -> client.models().retrieve("org/other-model"))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("The model 'org/other-model' does not exist");
    }

    @Test
    void chatCompletion() {
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(TestServer.MODEL).addUserMessage("Who is the LORD?").maxCompletionTokens(12).temperature(0.0)
                .build());
        assertThat(c.id()).startsWith("chatcmpl-");
        assertThat(c.model()).isEqualTo(TestServer.MODEL);
        assertThat(c.choices()).hasSize(1);
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertThat(choice.message().content()).get().asString().isNotBlank();
        assertThat(choice.finishReason().value()).isIn(ChatCompletion.Choice.FinishReason.Value.STOP,
                ChatCompletion.Choice.FinishReason.Value.LENGTH);
        assertThat(c.usage()).get().satisfies(u -> {
            assertThat(u.promptTokens()).isPositive();
            assertThat(u.completionTokens()).isBetween(1L, 12L);
            assertThat(u.totalTokens()).isEqualTo(u.promptTokens() + u.completionTokens());
        });
        assertThat(c.created()).isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(60L));
    }

    @Test
    void streamingChatMatchesTheWholeAnswer() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(TestServer.MODEL)
                .addUserMessage("In the beginning").maxTokens(16).temperature(0.0).build();
        String whole = client.chat().completions().create(params).choices().getFirst().message().content().orElseThrow();
        StringBuilder streamed = new StringBuilder();
        List<String> roles = new ArrayList<>();
        List<String> finishes = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(ch -> {
                ch.delta().role().ifPresent(r -> roles.add(r.asString()));
                ch.delta().content().ifPresent(streamed::append);
                ch.finishReason().ifPresent(f -> finishes.add(f.asString()));
            }));
        }
        assertThat(roles).containsExactly("assistant");
        assertThat(streamed.toString()).isEqualTo(whole);
        assertThat(finishes).hasSize(1);
    }

    @Test
    void completion() {
        Completion c = client.completions().create(CompletionCreateParams.builder().model(TestServer.MODEL)
                .prompt("And God said").maxTokens(10).temperature(0.0).build());
        assertThat(c.id()).startsWith("cmpl-");
        assertThat(c.choices()).hasSize(1);
        assertThat(c.choices().getFirst().text()).isNotEmpty();
        assertThat(c.usage()).get().satisfies(u -> assertThat(u.completionTokens()).isBetween(1L, 10L));
    }

    @Test
    void errorsSurfaceAsTheSdksExceptions() {
        assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("no-such-model").addUserMessage("hi").build()))
                .isInstanceOf(NotFoundException.class).hasMessageContaining("no-such-model");
        assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(TestServer.MODEL).addUserMessage("hi").temperature(-1.0).build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("temperature");
    }
}
