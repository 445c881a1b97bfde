"""Search relevance of hcpcs against two baselines, over the full CMS release.

Each query in ``queries.toml`` lists the codes a competent coder would accept, decided by reading
the official descriptors (never by running a search), and a kind: exact words, plain words, typos,
abbreviations or word beginnings. Reported per kind and overall: recall@1, @5, @10 (the share of
queries with an accepted code in the top k) and MRR (mean reciprocal rank of the first accepted code).

Systems, all over procedure codes of the same release:
- hcpcs: this project's search (descriptors, bundled records, synonym table, typo tolerance);
- fts5-bm25: SQLite FTS5 over long and short descriptors, query words OR-ed, ranked by bm25;
- prefix-and: every query word must begin a word of the descriptors (as the NLM Clinical Tables
  HCPCS API matches), shorter descriptors first.

    python benchmarks/relevance.py [--release PATH] [--misses]
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
DEFAULT_RELEASE = HERE.parents[1] / "shared" / "cms" / "2020" / "2020-Alpha-Numeric-HCPCS-File.zip"
KINDS = ("exact", "plain", "typo", "abbreviation", "prefix")
Search = Callable[[str], list[str]]


def load_queries() -> list[dict]:
    return tomllib.loads((HERE / "queries.toml").read_text(encoding="utf-8"))["query"]


def fts5_baseline(entries) -> Search:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE d USING fts5(code UNINDEXED, long, short)")
    conn.executemany(
        "INSERT INTO d VALUES (?, ?, ?)",
        [(e.code, e.long_descriptor, e.short_descriptor) for e in entries],
    )

    def run(query: str) -> list[str]:
        words = re.findall(r"[A-Za-z0-9]+", query)
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in words)
        rows = conn.execute(
            "SELECT code FROM d WHERE d MATCH ? ORDER BY bm25(d) LIMIT 10", (match,)
        )
        return [r[0] for r in rows]

    return run


def prefix_baseline(entries) -> Search:
    docs = []
    for e in entries:
        words = re.findall(r"[a-z0-9]+", f"{e.long_descriptor} {e.short_descriptor}".lower())
        docs.append((e.code, words, len(e.long_descriptor)))

    def run(query: str) -> list[str]:
        terms = re.findall(r"[a-z0-9]+", query.lower())
        if not terms:
            return []
        hits = [
            (length, code)
            for code, words, length in docs
            if all(any(w.startswith(t) for w in words) for t in terms)
        ]
        return [code for _, code in sorted(hits)[:10]]

    return run


def evaluate(search: Search, queries: list[dict]) -> tuple[dict, list[tuple]]:
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    misses = []
    for q in queries:
        ranked = search(q["text"])[:10]
        relevant = set(q["relevant"])
        rank = next((i for i, code in enumerate(ranked, 1) if code in relevant), None)
        for group in (q["kind"], "all"):
            s = sums[group]
            s["n"] += 1
            for k in (1, 5, 10):
                s[f"r@{k}"] += bool(rank and rank <= k)
            s["mrr"] += 1 / rank if rank else 0.0
        if rank != 1:
            misses.append((q["kind"], q["text"], sorted(relevant), ranked[:5]))
    table = {
        g: {m: v / s["n"] for m, v in s.items() if m != "n"} | {"n": s["n"]}
        for g, s in sums.items()
    }
    return table, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", type=Path, default=DEFAULT_RELEASE)
    parser.add_argument("--misses", action="store_true", help="list the queries hcpcs ranks wrong")
    args = parser.parse_args()
    queries = load_queries()

    from hcpcs_cli.release import read_release

    parsed = read_release(args.release)
    procedures = [e for e in parsed.entries if e.kind == "procedure"]
    with tempfile.TemporaryDirectory() as home:
        os.environ["HCPCS_HOME"] = home
        from hcpcs_cli import Catalog
        from hcpcs_cli.store import Store

        Store().import_release(parsed)
        catalog = Catalog()

        def ours(query: str) -> list[str]:
            return [h.code for h in catalog.search(query, limit=10)]

        systems = {
            "hcpcs": ours,
            "fts5-bm25": fts5_baseline(procedures),
            "prefix-and": prefix_baseline(procedures),
        }
        results = {name: evaluate(fn, queries) for name, fn in systems.items()}

    counts = {k: sum(q["kind"] == k for q in queries) for k in KINDS}
    print(
        f"{len(queries)} queries: "
        + ", ".join(f"{counts[k]} {k}" for k in KINDS)
        + f"; release {parsed.label}, {len(procedures)} procedure codes\n"
    )
    print("| kind | system | recall@1 | recall@5 | recall@10 | MRR |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for group in ("all", *KINDS):
        for name, (table, _) in results.items():
            row = table.get(group)
            if row:
                print(
                    f"| {group} | {name} | {row['r@1']:.2f} | {row['r@5']:.2f} | {row['r@10']:.2f} | {row['mrr']:.2f} |"
                )
    if args.misses:
        print("\nQueries hcpcs does not rank first:")
        for kind, text, relevant, got in results["hcpcs"][1]:
            print(f"- [{kind}] {text!r}: want {relevant}, got {got}")


if __name__ == "__main__":
    sys.exit(main())
