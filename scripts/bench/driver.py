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
import signal
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


def run_once(cmd, input_path, measure_rss=False, timeout=None):
    """Runs cmd with input_path on stdin; returns (seconds, peak RSS in KiB or 0, exit code).

    Wall time is taken on plain runs: /usr/bin/time costs a few milliseconds of its own on
    this kind of machine, as much as a whole typical render. Peak RSS is taken on separate
    runs under `/usr/bin/time -f %M`.
    """
    if measure_rss:
        cmd = [TIME, "-f", "%M", *cmd]
    with open(input_path, "rb") as stdin, open(os.devnull, "wb") as devnull:
        start = time.perf_counter()
        # Own process group, so that a stopped run takes its children (kubectl, the
        # Python of yq) with it instead of leaving them to load the machine.
        proc = subprocess.Popen(
            cmd, stdin=stdin, stdout=devnull, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return None, 0, None
        elapsed = time.perf_counter() - start
    lines = (err or b"").decode(errors="replace").rstrip("\n").split("\n")
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
    # A peer run is stopped after twice the budget: it then only gives a lower bound.
    cap = 2 * budget

    tools = {"spaces-expose": [opts.bin, *tool_args]}
    # check reads the same stream with the same rules; its exit code 1 means findings.
    tools["spaces-expose check"] = [opts.bin, "check", *tool_args]
    ok_codes = {"spaces-expose check": (0, 1)}
    for peer in opts.peers.split():
        tools[peer] = ["bash", os.path.join(HERE, f"{peer}-postrender.sh")]
    ours_names = ("spaces-expose", "spaces-expose check")
    peers = [p for p in tools if p not in ours_names]
    skipped = {}  # tool -> size at which it passed the budget

    print(f"Machine: {machine()}")
    print(f"spaces-expose arguments: `{' '.join(tool_args)}`")
    if opts.note:
        print(f"Note: {opts.note}")
    print()
    head = "| documents | input MB | tool | runs | median ms | MB/s | peak RSS MB | RSS limit MB (3x+16) |"
    head += "".join(f" x faster than {p} |" for p in peers)
    head += " note |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1), flush=True)

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
            notes = {t: "" for t in tools}
            failed = set()
            # One run of each tool under /usr/bin/time for peak RSS; it also warms the page
            # cache and loads the binaries. Its wall time counts only for a peer that passes
            # the budget (then it is the only run).
            for name, cmd in tools.items():
                if name in skipped:
                    notes[name] = f"skipped: passed the {budget:.0f} s budget at {skipped[name]} documents"
                    continue
                limit = None if name in ours_names else cap
                seconds, rss[name], code = run_once(cmd, path, measure_rss=True, timeout=limit)
                if seconds is None:
                    skipped[name] = size
                    notes[name] = f"stopped after {cap:.0f} s (did not finish)"
                elif code not in ok_codes.get(name, (0,)):
                    failed.add(name)
                    notes[name] = "failed (exit code non-zero)"
                elif name not in ours_names and seconds > budget:
                    skipped[name] = size
                    times[name].append(seconds)
                    notes[name] = f"passed the {budget:.0f} s budget: one run only"
            for _ in range(rounds):
                for name, cmd in tools.items():
                    if name in skipped or name in failed:
                        continue
                    seconds, _, code = run_once(cmd, path)
                    if code not in ok_codes.get(name, (0,)):
                        failed.add(name)
                        notes[name] = "failed (exit code non-zero)"
                        continue
                    times[name].append(seconds)
            ours = statistics.median(times["spaces-expose"]) if times["spaces-expose"] else None
            for name in tools:
                mb = nbytes / 1e6
                limit = 3 * nbytes / 2**20 + 16
                row = f"| {size} | {mb:.2f} | {name} | {len(times[name])} |"
                if times[name]:
                    med = statistics.median(times[name])
                    row += f" {med * 1000:.1f} | {mb / med:.1f} |"
                elif notes[name].startswith("stopped"):
                    row += f" > {cap * 1000:.0f} | < {mb / cap:.1f} |"
                else:
                    row += " | |"
                row += f" {kib_to_mb(rss[name])} | {limit:.0f} |"
                for p in peers:
                    cell = ""
                    if name in ours_names and times[name]:
                        ours = statistics.median(times[name])
                        if times[p]:
                            cell = f"{statistics.median(times[p]) / ours:.0f}"
                        elif notes[p].startswith("stopped"):
                            cell = f"> {cap / ours:.0f}"
                    row += f" {cell} |"
                row += f" {notes[name]} |"
                print(row, flush=True)
            sys.stderr.write(f"bench: {size} documents done\n")


def kib_to_mb(kib):
    return f"{kib / 1024:.1f}" if kib else ""


if __name__ == "__main__":
    main()
