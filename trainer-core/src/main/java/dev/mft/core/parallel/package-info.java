/**
 * The seam through which data parallelism enters the training loop: {@link dev.mft.core.parallel.ParallelStrategy}
 * and its one-device implementation. DDP and ZeRO live in trainer-distributed.
 */
package dev.mft.core.parallel;
