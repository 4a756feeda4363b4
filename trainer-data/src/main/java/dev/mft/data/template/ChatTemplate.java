package dev.mft.data.template;

import dev.mft.data.conversation.Conversation;

/** Renders a conversation into text and marks which parts are trained. */
public interface ChatTemplate {

    RenderedConversation render(Conversation conversation);
}
