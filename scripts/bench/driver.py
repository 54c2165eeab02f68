#!/usr/bin/env python3
"""Benchmark driver for scripts/bench.sh (see there for usage).

Runs spaces-expose and the peer post-renderers interleaved (one run of each tool per
round, so background load hits every tool alike), several rounds per size, and prints
per size and tool: median wall time, throughput, peak RSS, and how many times faster
spaces-expose is than each peer.

Wall time is measured around spawning the tool and waiting for it, so it includes process
start-up (what Helm pays). Peak RSS is what `/usr/bin/time -f %M` prints on a separate run:
the largest resident set of the tool's process tree. (Reading wait4() rusage from Python directly would count the forked
Python interpreter's pages, which Linux keeps in the child's high-water mark across exec.)
"""
import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TIME = "/usr/bin/time"
DEFAULT_SIZES = [100, 1000, 10000, 50000]
# Rounds per size: small inputs are cheap and noisy, so they get more.
ROUNDS = {100: 30, 1000: 15, 10000: 7, 50000: 3}


def run_once(cmd, input_path, measure_rss=False):
    """Runs cmd with input_path on stdin; returns (seconds, peak RSS in KiB or 0, exit code).

    Wall time is taken on plain runs: /usr/bin/time costs a few milliseconds of its own on
    this kind of machine, as much as a whole typical render. Peak RSS is taken on separate
    runs under `/usr/bin/time -f %M`.
    """
    if measure_rss:
        cmd = [TIME, "-f", "%M", *cmd]
    with open(input_path, "rb") as stdin, open(os.devnull, "wb") as devnull:
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdin=stdin, stdout=devnull, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
    lines = proc.stderr.decode(errors="replace").rstrip("\n").split("\n")
    if proc.returncode != 0:
        sys.stderr.write("\n".join(lines[-20:]) + "\n")
    kib = 0
    if measure_rss:
        try:
            kib = int(lines[-1])
        except ValueError:
            pass
    return elapsed, kib, proc.returncode


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "unknown"
    try:
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
            mem = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} CPUs (nproc), {cpu}, {mem} RAM, {platform.system()} {platform.release()}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--note", default="")
    ap.add_argument("--peers", default="kustomize yq")
    ap.add_argument("rest", nargs=argparse.REMAINDER)
    opts = ap.parse_args()
    rest = opts.rest
    if rest and rest[0] == "--":
        rest = rest[1:]
    split = rest.index("--") if "--" in rest else len(rest)
    tool_args, sizes = rest[:split], [int(s) for s in rest[split + 1 :]] or DEFAULT_SIZES
    scale = float(os.environ.get("BENCH_REPS_SCALE", "1"))
    budget = float(os.environ.get("BENCH_BUDGET", "30"))

    tools = {"spaces-expose": [opts.bin, *tool_args]}
    for peer in opts.peers.split():
        tools[peer] = ["bash", os.path.join(HERE, f"{peer}-postrender.sh")]
    skipped = {}  # tool -> size at which it passed the budget

    results = []  # (size, bytes, tool, [seconds], max rss KiB, note)
    with tempfile.TemporaryDirectory(prefix="spaces-expose-bench.") as tmp:
        for size in sizes:
            path = os.path.join(tmp, f"stream-{size}.yaml")
            with open(path, "wb") as out:
                subprocess.run(
                    [sys.executable, os.path.join(ROOT, "scripts", "gen-manifests.py"), str(size)],
                    stdout=out,
                    check=True,
                )
            nbytes = os.path.getsize(path)
            rounds = max(1, int(ROUNDS.get(size, 5) * scale))
            times = {t: [] for t in tools}
            rss = {t: 0 for t in tools}
            failed = set()
            # One run of each tool under /usr/bin/time for peak RSS; it also warms the page
            # cache and loads the binaries. Its wall time is not counted.
            for name, cmd in tools.items():
                if name not in skipped:
                    seconds, rss[name], code = run_once(cmd, path, measure_rss=True)
                    if code != 0:
                        failed.add(name)
                    elif name != "spaces-expose" and seconds > budget:
                        # Too slow to repeat: this one run is all the timing there is.
                        skipped[name] = size
                        times[name].append(seconds)
            for _ in range(rounds):
                for name, cmd in tools.items():
                    if name in skipped or name in failed:
                        continue
                    seconds, _, code = run_once(cmd, path)
                    if code != 0:
                        failed.add(name)
                        continue
                    times[name].append(seconds)
                    if name != "spaces-expose" and seconds > budget:
                        skipped[name] = size
            for name in tools:
                note = ""
                if name in failed:
                    note = "failed (exit code non-zero)"
                elif skipped.get(name, size + 1) < size:
                    note = f"skipped: passed the {budget:.0f} s budget at {skipped[name]} documents"
                elif skipped.get(name) == size:
                    note = f"passed the {budget:.0f} s budget: {len(times[name])} run(s) only"
                results.append((size, nbytes, name, times[name], rss[name], note))
            sys.stderr.write(f"bench: {size} documents done\n")

    ours = {r[0]: statistics.median(r[3]) for r in results if r[2] == "spaces-expose" and r[3]}
    peer_median = {
        (r[0], r[2]): statistics.median(r[3]) for r in results if r[2] != "spaces-expose" and r[3]
    }

    print(f"Machine: {machine()}")
    print(f"spaces-expose arguments: `{' '.join(tool_args)}`")
    if opts.note:
        print(f"Note: {opts.note}")
    print()
    peers = [p for p in tools if p != "spaces-expose"]
    head = "| documents | input MB | tool | runs | median ms | MB/s | peak RSS MB | RSS limit MB (3x+16) |"
    head += "".join(f" x faster than {p} |" for p in peers)
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for size, nbytes, name, times, kib, note in results:
        mb = nbytes / 1e6
        limit = 3 * nbytes / 2**20 + 16
        if not times:
            cells = f"| {size} | {mb:.2f} | {name} | 0 | {note} | | | |"
            cells += " |" * len(peers)
            print(cells)
            continue
        med = statistics.median(times)
        row = (
            f"| {size} | {mb:.2f} | {name} | {len(times)} | {med * 1000:.1f} | {mb / med:.0f} | "
            f"{kib / 1024:.1f} | {limit:.0f} |"
        )
        for p in peers:
            if name == "spaces-expose" and (size, p) in peer_median and size in ours:
                row += f" {peer_median[(size, p)] / ours[size]:.1f} |"
            else:
                row += " |"
        if note:
            row += f" {note}"
        print(row)


if __name__ == "__main__":
    main()
