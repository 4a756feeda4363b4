/*
 * Lets Intel MKL (linked into libtorch's CPU build) choose its kernels by the CPU's instruction sets instead of
 * its vendor string.
 *
 * MKL asks mkl_serv_intel_cpu_true() whether it runs on an Intel CPU and, when not, takes generic code paths: on
 * an AMD EPYC (Zen 5, AVX-512) a 2048x2048 fp32 matmul ran at 142 GFLOP/s instead of 307 (docs/benchmarks.md).
 * libtorch_cpu.so exports that function and calls it through its PLT, so a definition loaded first (LD_PRELOAD,
 * set by bin/mft) takes its place. MKL still checks CPUID for each instruction set it uses, so only kernels the
 * CPU supports run. bin/mft compiles this file when the CPU is not Intel and gcc is present; MFT_MKL_ANY_CPU=0 turns
 * it off.
 */
int mkl_serv_intel_cpu_true(void) { return 1; }
