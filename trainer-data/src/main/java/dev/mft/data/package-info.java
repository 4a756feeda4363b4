/**
 * trainer-data: chat data in, plain-Java batches out.
 *
 * <p>The path is read ({@code read}) into one {@code conversation} type, rendered by a chat
 * {@code template} into trained and untrained text segments, tokenized ({@code tokenize}) into ids and
 * aligned labels, and padded into {@code batch}es of int arrays. Nothing here touches NDArray: the
 * trainer turns the arrays into tensors.
 */
package dev.mft.data;
