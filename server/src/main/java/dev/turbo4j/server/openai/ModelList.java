package dev.turbo4j.server.openai;

import java.util.List;

/** GET /v1/models: {@code {"object": "list", "data": [{id, object: "model", created, owned_by}]}}. */
public record ModelList(String object, List<ModelCard> data) {

    public record ModelCard(String id, String object, long created, String ownedBy) {
    }

    public static ModelList of(String id, long created) {
        return new ModelList("list", List.of(new ModelCard(id, "model", created, "turbo4j")));
    }
}
