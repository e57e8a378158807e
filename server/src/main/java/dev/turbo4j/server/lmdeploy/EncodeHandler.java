package dev.turbo4j.server.lmdeploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turbo4j.core.chat.ChatMessage;
import dev.turbo4j.server.ServedModel;
import dev.turbo4j.server.http.Json;
import io.javalin.http.Context;
import io.javalin.http.Handler;

import java.util.ArrayList;
import java.util.List;

import static dev.turbo4j.server.http.ApiException.require;

/**
 * POST /v1/encode (LMDeploy's): {@code {input: str | [str], do_preprocess: false, add_bos: true}}
 * to {@code {input_ids, length}}, lists when the input was a list.
 */
public final class EncodeHandler implements Handler {
    private final ServedModel model;

    public EncodeHandler(ServedModel model) {
        this.model = model;
    }

    /** The request; {@code do_preprocess} renders the input as a user message with the chat template. */
    public record EncodeRequest(JsonNode input, Boolean doPreprocess, Boolean addBos) {
    }

    public record Encoded(Object inputIds, Object length) {
    }

    @Override
    public void handle(Context ctx) {
        EncodeRequest req = Json.parse(ctx.body(), EncodeRequest.class);
        JsonNode input = req.input();
        require(input != null && (input.isTextual() || input.isArray()), "input",
                "input must be a string or a list of strings");
        if (input.isTextual()) {
            int[] ids = encode(input.asText(), req);
            ctx.json(new Encoded(ids, ids.length));
            return;
        }
        List<int[]> ids = new ArrayList<>();
        List<Integer> lengths = new ArrayList<>();
        for (JsonNode text : input) {
            require(text.isTextual(), "input", "input must be a string or a list of strings");
            int[] one = encode(text.asText(), req);
            ids.add(one);
            lengths.add(one.length);
        }
        ctx.json(new Encoded(ids, lengths));
    }

    private int[] encode(String text, EncodeRequest req) {
        if (Boolean.TRUE.equals(req.doPreprocess())) {
            return model.encodeChat(List.of(ChatMessage.user(text)), "input");
        }
        return model.tokenizer().encode(text, !Boolean.FALSE.equals(req.addBos()));
    }
}
