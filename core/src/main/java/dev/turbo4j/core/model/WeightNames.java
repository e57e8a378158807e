package dev.turbo4j.core.model;

/**
 * Where a family keeps each weight in its safetensors files. Layer names are format strings
 * taking the layer index. {@code qkv} is set (and q/k/v are null) for families that store
 * the three projections packed in one tensor, laid out per kv-head group: for each kv head,
 * its query heads, then its key head, then its value head (InternLM2's wqkv).
 */
public record WeightNames(String embedding, String attentionNorm, String q, String k, String v, String qkv,
                          String o, String mlpNorm, String gate, String up, String down, String finalNorm,
                          String lmHead) {

    public static final WeightNames HF_LLAMA = new WeightNames(
            "model.embed_tokens",
            "model.layers.%d.input_layernorm",
            "model.layers.%d.self_attn.q_proj",
            "model.layers.%d.self_attn.k_proj",
            "model.layers.%d.self_attn.v_proj",
            null,
            "model.layers.%d.self_attn.o_proj",
            "model.layers.%d.post_attention_layernorm",
            "model.layers.%d.mlp.gate_proj",
            "model.layers.%d.mlp.up_proj",
            "model.layers.%d.mlp.down_proj",
            "model.norm",
            "lm_head");

    public static final WeightNames INTERNLM2 = new WeightNames(
            "model.tok_embeddings",
            "model.layers.%d.attention_norm",
            null, null, null,
            "model.layers.%d.attention.wqkv",
            "model.layers.%d.attention.wo",
            "model.layers.%d.ffn_norm",
            "model.layers.%d.feed_forward.w1",
            "model.layers.%d.feed_forward.w3",
            "model.layers.%d.feed_forward.w2",
            "model.norm",
            "output");

    public boolean packedQkv() {
        return qkv != null;
    }

    /** A layer weight's base name (without ".weight"/".bias") for layer i. */
    public static String layer(String pattern, int i) {
        return String.format(pattern, i);
    }
}
