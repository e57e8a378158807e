package dev.turbo4j.server;

import static dev.turbo4j.core.chat.ChatMessage.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.turbo4j.core.chat.JinjaChatTemplate;
import dev.turbo4j.engine.Engine;
import dev.turbo4j.engine.EngineConfig;
import dev.turbo4j.engine.LocalModel;
import dev.turbo4j.server.http.ApiException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Who is at fault when a chat template fails: the request (400) or the server's template (500). */
class ServedModelTemplateTest {

    @Test
    void aTemplateRefusingTheMessagesIsTheRequestsFaultABrokenTemplateTheServers() {
        try (LocalModel model = LocalModel.open(TestServer.KJV, 1); Engine engine = Engine.start(model, EngineConfig.defaults())) {
            ServedModel strict = new ServedModel(engine, "m", new JinjaChatTemplate("strict.jinja",
                    "{{ raise_exception('Conversation roles must alternate') }}", Map.of()));
            ApiException refused = catchThrowableOfType(ApiException.class,
                    () -> strict.encodeChat(List.of(user("hi")), "messages"));
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.getMessage()).isEqualTo("the chat template rejected the messages: Conversation roles must alternate");

            ServedModel broken = new ServedModel(engine, "m", new JinjaChatTemplate("broken.jinja",
                    "{% for m in messages %}{{ m.content }}", Map.of()));
            ApiException failed = catchThrowableOfType(ApiException.class,
                    () -> broken.encodeChat(List.of(user("hi")), "messages"));
            assertThat(failed.status()).isEqualTo(500);
            assertThat(failed.getMessage()).startsWith("the model's chat template failed: chat template broken.jinja failed at line 1")
                    .endsWith("; fix the template or start the server with --chat-template");
        }
    }
}
