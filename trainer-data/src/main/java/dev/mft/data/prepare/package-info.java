/**
 * The whole data path of a run in one call: read every task, split it, render, tokenize and mask it, with an on-disk
 * cache of the result keyed by everything it depends on.
 */
package dev.mft.data.prepare;
