"""Search relevance of hcpcs against two baselines, over the whole CMS release.

The queries (``benchmarks/queries/part1.toml`` and ``part2.toml``, 513 in all) were written by
helpers who had read neither the ranking code nor the lexicon, each with the codes a competent coder
would accept, from the official descriptors alone; each query was assigned once, before any tuning,
to the tuning half or the held-out half (``split``). Ranking is tuned on the tuning half only.
``legacy.toml`` (the first, self-written benchmark) is reported apart as a regression set.

Reported per split, per kind and per section: recall@1, @5, @10 (the share of queries with an
accepted code in the top k) and MRR (mean reciprocal rank of the first accepted code).

Systems, all over the procedure codes of the same release:
- hcpcs: this project's search;
- fts5-bm25: SQLite FTS5 over long and short descriptors, query words OR-ed, ranked by bm25;
- prefix-and: every query word must begin a word of the descriptors (as the NLM Clinical Tables
  HCPCS API matches), shorter descriptors first.

    python benchmarks/relevance.py [--release PATH] [--split tune|heldout|all|fresh|fresh2|fresh3|fresh4|legacy] [--misses]
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
KINDS = ("plain", "brand", "exact", "typo", "abbreviation", "prefix")
Search = Callable[[str], list[str]]


def load_queries(split: str) -> list[dict]:
    """The benchmark's queries of one split (``tune``, ``heldout``, ``all``, ``fresh``,
    ``fresh2``, ``fresh3``, ``fresh4`` or ``legacy``)."""
    folder = HERE / "queries"
    if split == "legacy":
        queries = tomllib.loads((folder / "legacy.toml").read_text(encoding="utf-8"))["query"]
        for q in queries:
            q.setdefault("section", q["relevant"][0][0])
        return queries
    parts = {"fresh": "part3", "fresh2": "part4", "fresh3": "part5", "fresh4": "part6"}
    if split in parts:
        name = f"{parts[split]}.toml"
        return tomllib.loads((folder / name).read_text(encoding="utf-8"))["query"]
    queries = []
    for name in ("part1.toml", "part2.toml"):
        queries += tomllib.loads((folder / name).read_text(encoding="utf-8"))["query"]
    return [q for q in queries if split == "all" or q["split"] == split]


def fts5_baseline(entries) -> Search:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE d USING fts5(code UNINDEXED, long, short)")
    conn.executemany(
        "INSERT INTO d VALUES (?, ?, ?)",
        [(e.code, e.descriptor, e.short_descriptor) for e in entries],
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
        words = re.findall(r"[a-z0-9]+", f"{e.descriptor} {e.short_descriptor}".lower())
        docs.append((e.code, words, len(e.descriptor)))

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
        for group in ("all", f"kind:{q['kind']}", f"section:{q['section']}"):
            s = sums[group]
            s["n"] += 1
            for k in (1, 5, 10):
                s[f"r@{k}"] += bool(rank and rank <= k)
            s["mrr"] += 1 / rank if rank else 0.0
        if rank != 1:
            misses.append((q["kind"], q["section"], q["text"], sorted(relevant), ranked[:5]))
    table = {
        g: {m: v / s["n"] for m, v in s.items() if m != "n"} | {"n": s["n"]}
        for g, s in sums.items()
    }
    return table, misses


def _row(group: str, name: str, row: dict) -> str:
    return (
        f"| {group} | {name} | {int(row['n'])} | {row['r@1']:.2f} | {row['r@5']:.2f} |"
        f" {row['r@10']:.2f} | {row['mrr']:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", type=Path, default=DEFAULT_RELEASE)
    parser.add_argument(
        "--split",
        default="all",
        choices=["tune", "heldout", "all", "fresh", "fresh2", "fresh3", "fresh4", "legacy"],
    )
    parser.add_argument("--misses", action="store_true", help="list the queries not ranked first")
    parser.add_argument("--baselines", action="store_true", help="also run the two baselines")
    args = parser.parse_args()
    splits = ["tune", "heldout"] if args.split == "all" else [args.split]

    from hcpcs_cli.release import read_release

    parsed = read_release(args.release)
    procedures = [e for e in parsed.entries if e.kind == "procedure"]
    with tempfile.TemporaryDirectory() as home:
        os.environ["HCPCS_HOME"] = home
        os.environ.pop("HCPCS_RELEASE", None)
        from hcpcs_cli import Catalog
        from hcpcs_cli.store import Store

        Store().import_release(parsed)
        catalog = Catalog()

        def ours(query: str) -> list[str]:
            return [h.code for h in catalog.search(query, limit=10).hits]

        systems: dict[str, Search] = {"hcpcs": ours}
        if args.baselines:
            systems["fts5-bm25"] = fts5_baseline(procedures)
            systems["prefix-and"] = prefix_baseline(procedures)
        for split in splits:
            queries = load_queries(split)
            results = {name: evaluate(fn, queries) for name, fn in systems.items()}
            counts = defaultdict(int)
            for q in queries:
                counts[q["kind"]] += 1
            print(
                f"\n## {split}: {len(queries)} queries ("
                + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
                + f"); release {parsed.label}, {len(procedures)} procedure codes\n"
            )
            print("| group | system | n | recall@1 | recall@5 | recall@10 | MRR |")
            print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
            groups = sorted(results["hcpcs"][0], key=lambda g: (g != "all", g))
            for group in groups:
                for name, (table, _) in results.items():
                    if group in table:
                        print(_row(group, name, table[group]))
            if args.misses:
                print(f"\nQueries hcpcs does not rank first ({split}):")
                for kind, section, text, relevant, got in results["hcpcs"][1]:
                    print(f"- [{kind} {section}] {text!r}: want {relevant}, got {got}")


if __name__ == "__main__":
    sys.exit(main())
