/**
 * Many processes, one training run: {@code launch} (the torchrun-like launcher and the worker environment),
 * {@code rendezvous} (a TCP key-value store that only this run's workers may join), {@code collective} (the
 * {@code Collective} SPI with a CPU ring backend over TCP and an NCCL backend) and {@code strategy} (DDP and
 * ZeRO-1/2/3 behind trainer-core's {@code ParallelStrategy} seam).
 */
package dev.mft.distributed;
