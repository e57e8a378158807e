package dev.turbo4j.core.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a conversation into the prompt text a chat model was trained on, the way Hugging
 * Face's {@code tokenizer.apply_chat_template(messages, tokenize=False)} does. The text
 * may already contain special tokens such as BOS; tokenize it without adding them again.
 */
public interface ChatTemplate {

    /** A short name for messages and listings, e.g. {@code llama3} or {@code tokenizer_config.json}. */
    String name();

    /**
     * Renders the conversation.
     *
     * @param messages            the conversation so far, oldest first
     * @param addGenerationPrompt append the header that starts the assistant's reply
     *                            (what to send when asking the model for the next turn)
     * @return the prompt text
     * @throws ChatTemplateException if the template rejects the conversation or fails
     */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);

    /**
     * Renders the conversation with a system prompt in front, unless the conversation
     * already starts with a system message or {@code systemPrompt} is null or blank.
     */
    default String render(String systemPrompt, List<ChatMessage> messages, boolean addGenerationPrompt) {
        boolean hasSystem = !messages.isEmpty() && messages.getFirst().role().equals("system");
        if (systemPrompt == null || systemPrompt.isBlank() || hasSystem) {
            return render(messages, addGenerationPrompt);
        }
        List<ChatMessage> withSystem = new ArrayList<>(messages.size() + 1);
        withSystem.add(ChatMessage.system(systemPrompt));
        withSystem.addAll(messages);
        return render(withSystem, addGenerationPrompt);
    }
}
