"""The speed goals, measured as a user meets them: whole processes, wall time, best of N.

    python bench/run.py [--repeat 5] [--centres 1000] [--keep DIR]

Figures (each the best of --repeat runs of a fresh process, after one warm-up run so the
knowledge cache and the OS file cache are warm):

- `python -c pass` and the bare import line the issue names, the baselines;
- one advice on examples/harbour_bank.yaml (goal: at most 1.3x the bare imports);
- `advise --help` (goal: at most 4x a bare interpreter start);
- a portfolio of N and 2N generated centres of 35 observations (goals: N=1000 in at most
  5 s on a 2-core machine; 2N at most 2.2x the time of N; peak memory at most 400 MiB).

Peak memory is the largest sum of resident memory over the portfolio's process tree
(parent and workers, sampled from /proc every 10 ms), with the largest single process from
`getrusage(RUSAGE_CHILDREN)` beside it. Prints PASS or FAIL per goal; exits 1 if any failed.
Other work on the machine slows every figure: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BARE_IMPORTS = "import yaml, jinja2, networkx, click, durable.engine"
TYPICAL = ROOT / "examples" / "harbour_bank.yaml"
MIB = 1024 * 1024


def advise_command() -> list[str]:
    script = Path(sys.executable).with_name("advise")
    return [str(script)] if script.exists() else [sys.executable, "-m", "advisor"]


def _tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc), 0 elsewhere."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(name))
        rss[int(name)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, ()))
    return total


def timed(cmd: list[str], *, sample: bool = False, check: bool = True) -> tuple[float, int]:
    """Wall seconds of one run, and (when sampling) the peak resident bytes of its tree."""
    peak = [0]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            done.wait(0.01)

    watcher = threading.Thread(target=watch, daemon=True) if sample else None
    if watcher:
        watcher.start()
    _out, err = proc.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    if watcher:
        watcher.join()
    if check and proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err.decode(errors='replace')}")
    return elapsed, peak[0]


def best(cmd: list[str], repeat: int, *, sample: bool = False) -> tuple[float, int]:
    timed(cmd, sample=False)  # warm-up: caches, page cache
    runs = [timed(cmd, sample=sample) for _ in range(repeat)]
    return min(t for t, _ in runs), max(p for _, p in runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure; the best counts (default 5)")
    parser.add_argument("--centres", type=int, default=1000, help="portfolio size N (default 1000; 2N is run too)")
    parser.add_argument("--keep", type=Path, default=None, help="generate the portfolios here and keep them")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT / "bench"))
    import generate

    advise = advise_command()
    work = args.keep or Path(tempfile.mkdtemp(prefix="advisor-bench-"))
    small, large = work / f"p{args.centres}", work / f"p{2 * args.centres}"
    for directory, count in ((small, args.centres), (large, 2 * args.centres)):
        if not directory.exists() or len(list(directory.glob("*.yaml"))) != count:
            shutil.rmtree(directory, ignore_errors=True)
            generate.generate(directory, count, seed=2024)

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"python {sys.version.split()[0]} · {cores} usable cores · load average {os.getloadavg()[0]:.2f} · best of {args.repeat}")
    python, _ = best([sys.executable, "-c", "pass"], args.repeat)
    bare, _ = best([sys.executable, "-c", BARE_IMPORTS], args.repeat)
    one, _ = best([*advise, str(TYPICAL)], args.repeat)
    helptime, _ = best([*advise, "--help"], args.repeat)
    p_small, mem_small = best([*advise, "portfolio", str(small)], max(1, args.repeat // 2), sample=True)
    p_large, mem_large = best([*advise, "portfolio", str(large)], max(1, args.repeat // 2), sample=True)
    largest_process = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    peak = max(mem_small, mem_large)

    rows = [
        ("python -c pass", f"{python * 1000:.0f} ms", "", "", None),
        (f"python -c '{BARE_IMPORTS}'", f"{bare * 1000:.0f} ms", "", "", None),
        ("advise examples/harbour_bank.yaml", f"{one * 1000:.0f} ms", f"{one / bare:.2f}x bare imports", "<= 1.3x", one / bare <= 1.3),
        ("advise --help", f"{helptime * 1000:.0f} ms", f"{helptime / python:.2f}x python", "<= 4x", helptime / python <= 4),
        (f"advise portfolio ({args.centres} centres)", f"{p_small:.2f} s", "", "<= 5 s", p_small <= 5),
        (f"advise portfolio ({2 * args.centres} centres)", f"{p_large:.2f} s", f"{p_large / p_small:.2f}x {args.centres}", "<= 2.2x", p_large / p_small <= 2.2),
        ("peak memory, portfolio process tree", f"{peak / MIB:.0f} MiB", f"largest process {largest_process / MIB:.0f} MiB", "<= 400 MiB", peak <= 400 * MIB if peak else largest_process <= 400 * MIB),
    ]
    width = max(len(r[0]) for r in rows)
    failed = 0
    for name, value, ratio, goal, ok in rows:
        verdict = "" if ok is None else ("PASS" if ok else "FAIL")
        failed += ok is False
        print(f"{name:<{width}}  {value:>9}  {ratio:<24} {goal:<10} {verdict}")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
