package dev.turbo4j.core.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The model families Turbo4j runs. They share one forward pass and differ only in data: the
 * weight names, whether q/k/v come packed, and which projections carry a bias.
 */
public enum Architecture {
    LLAMA("LlamaForCausalLM", WeightNames.HF_LLAMA, BiasPolicy.CONFIG_ATTENTION_BIAS),
    MISTRAL("MistralForCausalLM", WeightNames.HF_LLAMA, BiasPolicy.CONFIG_ATTENTION_BIAS),
    QWEN2("Qwen2ForCausalLM", WeightNames.HF_LLAMA, BiasPolicy.QKV_ONLY),
    INTERNLM("InternLMForCausalLM", WeightNames.HF_LLAMA, BiasPolicy.CONFIG_BIAS_DEFAULT_TRUE),
    INTERNLM2("InternLM2ForCausalLM", WeightNames.INTERNLM2, BiasPolicy.CONFIG_BIAS_DEFAULT_FALSE);

    /** How a family decides which attention projections have biases. */
    public enum BiasPolicy {
        /** q, k, v and o biases when config.json's attention_bias is true (Llama, Mistral). */
        CONFIG_ATTENTION_BIAS,
        /** q, k and v always have biases, o never (Qwen2). */
        QKV_ONLY,
        /** q, k, v and o biases unless config.json's "bias" is false (InternLM v1). */
        CONFIG_BIAS_DEFAULT_TRUE,
        /** qkv and o biases only when config.json's "bias" is true (InternLM2). */
        CONFIG_BIAS_DEFAULT_FALSE
    }

    private final String hfName;
    private final WeightNames weightNames;
    private final BiasPolicy biasPolicy;

    Architecture(String hfName, WeightNames weightNames, BiasPolicy biasPolicy) {
        this.hfName = hfName;
        this.weightNames = weightNames;
        this.biasPolicy = biasPolicy;
    }

    /** The name in config.json's "architectures". */
    public String hfName() {
        return hfName;
    }

    public WeightNames weightNames() {
        return weightNames;
    }

    public BiasPolicy biasPolicy() {
        return biasPolicy;
    }

    /** Finds the architecture by its config.json name, or null. */
    public static Architecture fromHfName(String name) {
        for (Architecture a : values()) {
            if (a.hfName.equals(name)) {
                return a;
            }
        }
        return null;
    }

    /** "LlamaForCausalLM, MistralForCausalLM, ..." for error messages and `turbo4j list`. */
    public static String supportedNames() {
        return Arrays.stream(values()).map(Architecture::hfName).collect(Collectors.joining(", "));
    }

    public String displayName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
