/**
 * Tokenization: the HuggingFace tokenizer of a model folder, and the encoder that turns a rendered
 * conversation into input ids with aligned labels.
 */
package dev.mft.data.tokenize;
