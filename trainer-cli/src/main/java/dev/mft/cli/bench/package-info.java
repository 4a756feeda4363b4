/** Benchmarks of the real training path ({@code mft bench}); see docs/benchmarks.md. */
package dev.mft.cli.bench;
