"""Batch validation at scale: time and peak memory of ``hcpcs validate`` on large code lists.

Imports the full CMS release into a temporary data directory, writes code lists of growing
size (a mix of active, terminated, unknown and malformed codes, some with modifiers, some with
CR-only line ends), and runs ``hcpcs validate --file LIST`` in each output format with the
output sent to a file, as a billing office would. Time should grow in proportion to the input
and memory should stay bounded (the report streams; issue 16 asks for under 200 MiB at a
million codes in table format).

    python benchmarks/scale.py [--release PATH] [--sizes 10000,100000,1000000]

Prints a markdown table; docs/benchmarks.md holds the figures of the last run.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_RELEASE = HERE.parents[1] / "shared" / "cms" / "2020" / "2020-Alpha-Numeric-HCPCS-File.zip"


def code_list(path: Path, size: int, codes: list[str]) -> None:
    """``size`` lines: mostly release codes, some with a modifier, some unknown or malformed."""
    rng = random.Random(size)
    extras = ["H9999", "ZZZZZ", "12", "h2028", "H2028-HF", "E0601 RR", ""]
    with path.open("w", encoding="ascii", newline="") as out:
        for i in range(size):
            code = rng.choice(codes) if rng.random() < 0.9 else rng.choice(extras)
            out.write(code + ("\r" if i % 97 == 0 else "\n"))


def run(cmd: list[str], env: dict[str, str], sink: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB and exit status of one run (stdout to ``sink``)."""
    start = time.perf_counter()
    with sink.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", type=Path, default=DEFAULT_RELEASE)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        env = {**os.environ, "HCPCS_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "120"}
        hcpcs = [sys.executable, "-m", "hcpcs_cli"]
        subprocess.run(
            [*hcpcs, "data", "import", str(args.release)], env=env, check=True, capture_output=True
        )
        os.environ["HCPCS_HOME"] = str(home)
        from hcpcs_cli import Catalog

        catalog = Catalog()
        codes = [doc.code for doc in catalog.index.listing("")]
        print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, {len(codes)} codes\n")
        print("| codes | format | seconds | µs per code | peak RSS MiB | output MiB | exit |")
        print("| ---: | --- | ---: | ---: | ---: | ---: | ---: |")
        for size in sizes:
            listing = Path(tmp) / f"codes-{size}.txt"
            code_list(listing, size, codes)
            for fmt in ("table", "csv", "json"):
                sink = Path(tmp) / "out"
                cmd = [*hcpcs, "validate", "--file", str(listing), "--format", fmt]
                seconds, rss, status = run(cmd, env, sink)
                print(
                    f"| {size:,} | {fmt} | {seconds:.1f} | {seconds / size * 1e6:.1f} "
                    f"| {rss:.0f} | {sink.stat().st_size / 2**20:.0f} | {status} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
