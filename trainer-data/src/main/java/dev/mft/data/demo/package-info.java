/**
 * A self-contained demo: synthetic chat data a tiny model learns in minutes, and a small byte-level
 * BPE tokenizer for it, so `mft` runs end to end without downloading anything.
 */
package dev.mft.data.demo;
