"""Load on the local HTTP API: throughput and latency of ``hcpcs serve`` under concurrent clients.

Imports the full CMS release into a temporary data directory, starts ``hcpcs serve`` on a free
loopback port, and sends a bounded run of requests from concurrent clients (asyncio + httpx, each
client sending its next request when the last is answered), mixing searches (the benchmark
queries), code lookups and validation batches of 20 codes. Reports throughput, p50/p90/p99 latency per kind
and every error. Client and server share the machine, as they would on a clinic's PC.

    python benchmarks/load.py [--release PATH] [--requests 5000] [--clients 16]

Needs the serve extra (``pip install ".[serve]"``). docs/benchmarks.md holds the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
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
MIX = (("search", 0.6), ("lookup", 0.3), ("validate", 0.1))
KINDS = ("search (first time)", "search (repeat)", "search", "lookup", "validate")
SEEN: set[str] = set()  # queries the server has already answered (and cached)


def start_server(home: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    env = {**os.environ, "HCPCS_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    serve = ["serve", "--port", "0", "--no-access-log", "--workers", str(workers)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "hcpcs_cli", *serve],
        env=env,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    while True:
        line = proc.stderr.readline()
        found = re.search(rb"on (http://\S+) ", line)
        if found:
            return proc, found.group(1).decode()
        if not line:
            raise SystemExit("the server did not start")


def plan(n: int, queries: list[str], codes: list[str], seed: int = 7) -> list[tuple[str, object]]:
    rng = random.Random(seed)
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    work: list[tuple[str, object]] = []
    for _ in range(n):
        kind = rng.choices(kinds, weights)[0]
        if kind == "search":
            work.append((kind, rng.choice(queries)))
        elif kind == "lookup":
            work.append((kind, rng.choice(codes)))
        else:
            work.append((kind, rng.sample(codes, 20)))
    return work


class Connection:
    """One keep-alive HTTP/1.1 connection. The client is deliberately lean (a request line,
    headers and a Content-Length body over asyncio streams): a general HTTP client library costs
    more CPU per request than the server does, and on a shared machine it would measure itself."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, target: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = f"{method} {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def run(url: str, work: list[tuple[str, object]], clients: int) -> tuple[dict, list, float]:
    from urllib.parse import quote, urlsplit

    parts = urlsplit(url)
    latencies: dict[str, list[float]] = {k: [] for k in KINDS}
    errors: list[str] = []
    queue: asyncio.Queue[tuple[str, object]] = asyncio.Queue()
    for item in work:
        queue.put_nowait(item)

    async def one_client() -> None:
        conn = Connection(parts.hostname or "127.0.0.1", parts.port or 80)
        try:
            while not queue.empty():
                kind, arg = queue.get_nowait()
                start = time.perf_counter()
                try:
                    if kind == "search":
                        status, body = await conn.request(
                            "GET", f"/v1/search?q={quote(str(arg))}&limit=10"
                        )
                    elif kind == "lookup":
                        status, body = await conn.request("GET", f"/v1/codes/{arg}")
                    else:
                        payload = json.dumps({"codes": arg}).encode()
                        status, body = await conn.request("POST", "/v1/validate", payload)
                    if status != 200:
                        errors.append(f"{kind} {arg!r}: {status} {body[:100]!r}")
                    else:
                        json.loads(body)
                except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
                    errors.append(f"{kind} {arg!r}: {exc!r}")
                    conn.close()
                    conn = Connection(conn.host, conn.port)
                if kind == "search":
                    # A query the server has answered before comes from its answer cache.
                    kind = "search (repeat)" if arg in SEEN else "search (first time)"
                    SEEN.add(str(arg))
                latencies[kind].append(time.perf_counter() - start)
        finally:
            conn.close()

    began = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    return latencies, errors, time.perf_counter() - began


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", type=Path, default=DEFAULT_RELEASE)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="hcpcs serve --workers")
    args = parser.parse_args()

    queries = [
        q["text"]
        for part in ("part1.toml", "part2.toml")
        for q in tomllib.loads((HERE / "queries" / part).read_text())["query"]
    ]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        env = {**os.environ, "HCPCS_HOME": str(home)}
        subprocess.run(
            [sys.executable, "-m", "hcpcs_cli", "data", "import", str(args.release)],
            env=env,
            check=True,
            capture_output=True,
        )
        os.environ["HCPCS_HOME"] = str(home)
        from hcpcs_cli import Catalog

        codes = [d.code for d in Catalog().index.listing("")]
        proc, url = start_server(home, args.workers)
        try:
            asyncio.run(run(url, plan(200, queries, codes, seed=1), args.clients))  # warm-up
            latencies, errors, seconds = asyncio.run(
                run(url, plan(args.requests, queries, codes), args.clients)
            )
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    total = sum(len(v) for v in latencies.values())
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.workers} server "
        f"process(es); {total} requests from "
        f"{args.clients} concurrent clients in {seconds:.1f} s: {total / seconds:.0f} requests/s, "
        f"{len(errors)} errors\n"
    )
    print("| request | count | p50 ms | p90 ms | p99 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    searches = latencies["search (first time)"] + latencies["search (repeat)"]
    latencies["search"] = searches
    for kind, values in latencies.items():
        if not values:
            continue
        print(
            f"| {kind} | {len(values)} | {statistics.median(values) * 1000:.1f} "
            f"| {pct(values, 0.9):.1f} | {pct(values, 0.99):.1f} | {max(values) * 1000:.1f} |"
        )
    everything = searches + latencies["lookup"] + latencies["validate"]
    print(
        f"| all | {len(everything)} | {statistics.median(everything) * 1000:.1f} "
        f"| {pct(everything, 0.9):.1f} | {pct(everything, 0.99):.1f} "
        f"| {max(everything) * 1000:.1f} |"
    )
    for line in errors[:20]:
        print(f"error: {line}")


if __name__ == "__main__":
    main()
