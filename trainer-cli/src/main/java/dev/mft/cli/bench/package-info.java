/** Benchmarks of the real training path ({@code mft bench-step}); see docs/benchmarks.md. */
package dev.mft.cli.bench;
