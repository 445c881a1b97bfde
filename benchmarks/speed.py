"""Start-up and query speed of hcpcs with the full CMS release imported.

Measures, alternating runs so that machine noise hits every command alike:
- the baseline: ``python -c "import typer, rich.console, rich.table, rich.panel"``;
- ``hcpcs show CODE`` and ``hcpcs search QUERY`` as whole commands (start-up included);
- the in-process time of a search over the benchmark query set (index opened once);
- peak resident memory of each command.

    python benchmarks/speed.py [--release PATH] [--runs N]

Prints a markdown table; docs/benchmarks.md holds the figures of the last run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
DEFAULT_RELEASE = HERE.parents[1] / "shared" / "cms" / "2020" / "2020-Alpha-Numeric-HCPCS-File.zip"
BASELINE = [sys.executable, "-c", "import typer, rich.console, rich.table, rich.panel"]


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed")
    return elapsed, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", type=Path, default=DEFAULT_RELEASE)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    # Measure what an installed copy runs: byte-compiled modules (pip compiles them at install).
    import compileall

    import hcpcs_cli

    compileall.compile_dir(Path(hcpcs_cli.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "HCPCS_HOME": home, "NO_COLOR": "1"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run(
            [sys.executable, "-m", "hcpcs_cli", "data", "import", str(args.release)],
            env=env,
            check=True,
            capture_output=True,
        )
        hcpcs = [sys.executable, "-m", "hcpcs_cli"]
        commands = {
            "baseline: import typer + rich console/table/panel": BASELINE,
            "hcpcs show H2028": [*hcpcs, "show", "H2028"],
            "hcpcs show E0601 (release-only code)": [*hcpcs, "show", "E0601"],
            'hcpcs search "halfway house"': [*hcpcs, "search", "halfway house"],
            "hcpcs search wheelchiar": [*hcpcs, "search", "wheelchiar"],
        }
        completion = {
            "Tab completion of `hcpcs show H20` (bash)": {
                "_HCPCS_COMPLETE": "complete_bash",
                "COMP_WORDS": "hcpcs show H20",
                "COMP_CWORD": "2",
            },
        }
        for cmd in commands.values():  # warm the file cache and the search index
            timed(cmd, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        memory: dict[str, int] = {}
        for name in completion:
            times[name] = []
        for _ in range(args.runs):
            for name, cmd in commands.items():
                seconds, rss = timed(cmd, env)
                times[name].append(seconds)
                memory[name] = max(memory.get(name, 0), rss)
            for name, extra in completion.items():
                seconds, rss = timed(hcpcs, {**env, **extra})
                times[name].append(seconds)
                memory[name] = max(memory.get(name, 0), rss)
        base = statistics.median(times[next(iter(commands))])

        os.environ["HCPCS_HOME"] = home
        from hcpcs_cli import Catalog

        catalog = Catalog()
        queries = [
            q["text"]
            for part in ("part1.toml", "part2.toml")
            for q in tomllib.loads((HERE / "queries" / part).read_text())["query"]
        ]
        catalog.search("warm up")
        per_query = []
        for _ in range(3):
            for q in queries:
                start = time.perf_counter()
                catalog.search(q)
                per_query.append(time.perf_counter() - start)

    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.runs} alternating runs each\n"
    )
    print("| command | median ms | ratio to baseline | peak RSS MiB |")
    print("| --- | ---: | ---: | ---: |")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| {name} | {median * 1000:.1f} | {median / base:.2f} | {memory[name] / 1024:.1f} |")
    per_query.sort()
    print(
        f"\nIn-process search over {len(queries)} benchmark queries x3: "
        f"median {statistics.median(per_query) * 1000:.2f} ms, "
        f"p90 {per_query[int(len(per_query) * 0.9)] * 1000:.2f} ms, "
        f"p99 {per_query[int(len(per_query) * 0.99)] * 1000:.2f} ms, "
        f"max {per_query[-1] * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
