#!/usr/bin/env python3
"""Step time before and after libtorch's pages go cold, for each CPU kernel set, alternating in one run.

    scripts/bench/cold_pages.py [--rounds 2] [--steps 120] [--at 50] [--kernels avx512,mft] [--whole-process]
                                [mft bench options]

Runs `bin/mft bench --steps STEPS --no-roofline` with ATEN_CPU_CAPABILITY set to each of --kernels in turn ("mft":
unset, so mft chooses; "avx512", "avx2", "default": libtorch's kernel sets), and once a run passes step --at it
clears the accessed bit of every page of libtorch_cpu.so in that process (process_madvise(MADV_COLD)), what a
kernel page monitor such as DAMON does to the pages it samples. A kernel set whose code only touches a page through
loads whose mask is all zeros (libtorch's AVX-512 exp does, for its overflow constant) never sets the bit again, and
on AMD Zen 5 each such load then takes a microcode assist: the step slows for the rest of the run. --whole-process
makes every mapping of the process cold instead (the Java heap, the JIT's code, native memory). Prints, per run, the
median step time (medians of the progress lines' 10-step windows) before and after, and their ratio.

Needs Linux >= 5.10 and the right to advise another process's memory (root, or CAP_SYS_NICE with ptrace access).
"""
import argparse
import ctypes
import os
import re
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SYS_PIDFD_OPEN, SYS_PROCESS_MADVISE, MADV_COLD = 434, 440, 20  # x86-64 syscall numbers; MADV_COLD from mman.h
PROGRESS = re.compile(r"^bench: step (\d+)/\d+ loss \S+, ([\d.]+) ms/step")


class Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("length", ctypes.c_size_t)]


def make_cold(pid, library="libtorch_cpu.so"):
    """Clears the accessed bit of every page of `library`'s mappings in process `pid` (of all its mappings when
    `library` is None); returns the bytes advised."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    pidfd = libc.syscall(SYS_PIDFD_OPEN, pid, 0)
    if pidfd < 0:
        raise OSError(ctypes.get_errno(), f"pidfd_open({pid}) failed: {os.strerror(ctypes.get_errno())}")
    advised = 0
    try:
        with open(f"/proc/{pid}/maps") as maps:
            for line in maps:
                fields = line.split()
                special = len(fields) >= 6 and fields[5] in ("[vsyscall]", "[vvar]", "[vvar_vclock]", "[vdso]")
                if (library is None and not special) or (len(fields) >= 6 and fields[5].endswith("/" + str(library))):
                    lo, hi = (int(x, 16) for x in fields[0].split("-"))
                    iov = Iovec(lo, hi - lo)
                    n = libc.syscall(SYS_PROCESS_MADVISE, pidfd, ctypes.byref(iov), 1, MADV_COLD, 0)
                    if n < 0:
                        e = ctypes.get_errno()
                        raise OSError(e, f"process_madvise(MADV_COLD) on {library} failed: {os.strerror(e)}"
                                         " (needs Linux >= 5.10 and root or CAP_SYS_NICE)")
                    advised += n
    finally:
        os.close(pidfd)
    if advised == 0:
        raise RuntimeError(f"no mapping of {library or 'any kind'} in process {pid}")
    return advised


def java_pid(launcher_pid, timeout=30):
    """bin/mft execs java, so the launcher's pid is the JVM's once it has exec'd; wait until it has."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with open(f"/proc/{launcher_pid}/cmdline", "rb") as f:
                if b"dev.mft.cli.Main" in f.read():
                    return launcher_pid
        except FileNotFoundError:
            break
        time.sleep(0.1)
    raise RuntimeError("bin/mft did not start its JVM")


def one_run(kernels, steps, at, extra, library):
    env = dict(os.environ)
    env.pop("ATEN_CPU_CAPABILITY", None)
    if kernels != "mft":
        env["ATEN_CPU_CAPABILITY"] = kernels
    cmd = [os.environ.get("MFT_BIN", os.path.join(ROOT, "bin", "mft")), "bench", "--steps", str(steps),
           "--no-roofline"] + extra
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pid = java_pid(p.pid)
    windows, cold_at, advised = [], None, 0
    out = []
    reader = threading.Thread(target=lambda: out.append(p.stdout.read()))
    reader.start()
    for line in p.stderr:
        m = PROGRESS.match(line)
        if not m:
            continue
        step, ms = int(m.group(1)), float(m.group(2))
        windows.append((step, ms))
        if cold_at is None and step >= at:
            advised = make_cold(pid, library)
            cold_at = step
    p.wait()
    reader.join()
    if p.returncode != 0 or cold_at is None:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode} (cold at step {cold_at})")
    # the window ending at cold_at is wholly before; the next one straddles the change; the rest are after
    before = [ms for step, ms in windows if 20 <= step <= cold_at]
    after = [ms for step, ms in windows if step >= cold_at + 20 and step % 10 == 0]
    capability = re.search(r'"aten_cpu_capability":"([^"]*)"', "".join(out))
    return {"kernels": kernels, "capability": capability.group(1) if capability else "?", "cold_at": cold_at,
            "advised_mib": advised / 2**20, "before": statistics.median(before), "after": statistics.median(after)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--steps", type=int, default=120)
    ap.add_argument("--at", type=int, default=50, help="make the pages cold at the first progress line from here")
    ap.add_argument("--kernels", default="avx512,mft", help="comma-separated: mft, avx512, avx2, default")
    ap.add_argument("--whole-process", action="store_true", help="every mapping cold, not only libtorch's")
    args, extra = ap.parse_known_args()
    if args.steps < args.at + 40:
        ap.error("--steps must leave at least 40 steps after --at")
    results = []
    scope = "the process" if args.whole_process else "libtorch"
    for r in range(1, args.rounds + 1):
        for kernels in args.kernels.split(","):
            res = one_run(kernels, args.steps, args.at, extra, None if args.whole_process else "libtorch_cpu.so")
            results.append(res)
            print(f"# round {r}, kernels {kernels} (libtorch: {res['capability']}): {res['before']:.1f} ms/step"
                  f" before, {res['after']:.1f} after the pages of {scope} went cold at step {res['cold_at']}"
                  f" ({res['advised_mib']:.0f} MiB): x{res['after'] / res['before']:.2f}", flush=True)
    print("summary (median over rounds of after / before):")
    for kernels in args.kernels.split(","):
        ratios = [r["after"] / r["before"] for r in results if r["kernels"] == kernels]
        caps = sorted({r["capability"] for r in results if r["kernels"] == kernels})
        print(f"  {kernels:>7} ({'/'.join(caps)}): x{statistics.median(ratios):.2f} "
              f"({', '.join(f'{x:.2f}' for x in ratios)})")


if __name__ == "__main__":
    try:
        main()
    except (OSError, RuntimeError) as e:
        sys.exit(f"cold_pages: {e}")
