/** Readers from training-data files into {@link dev.mft.data.conversation.Conversation}s. */
package dev.mft.data.read;
