/** Padding tokenized examples into batches of plain int arrays, and the seeded epoch order. */
package dev.mft.data.batch;
