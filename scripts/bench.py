"""Benchmarks: each prints vaultkit's time against the naive or peer way, measured in the same run.

    python scripts/bench.py links [--notes 10000]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def make_link_vault(root: Path, notes: int, seed: int = 1) -> tuple[int, int]:
    """A vault of ``notes`` notes in nested folders, ~5 links each, and notes/4 attachments."""
    rng = random.Random(seed)
    folders = [f"area{a}/topic{t}" for a in range(20) for t in range(10)]
    names = [f"{rng.choice(folders)}/Note {i}" for i in range(notes)]
    images = [f"attachments/img{i}.png" for i in range(notes // 4)]
    for img in images:
        p = root / img
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"\x89PNG")
    links = 0
    for i, name in enumerate(names):
        parts = [f"# Note {i}\n\nSome text about the topic.\n"]
        for _ in range(5):
            links += 1
            kind = rng.random()
            if kind < 0.6:
                target = names[rng.randrange(notes)].rsplit("/", 1)[-1]
                parts.append(f"See [[{target}]] and more words.\n")
            elif kind < 0.8:
                parts.append(f"![[{images[rng.randrange(len(images))].rsplit('/', 1)[-1]}|300]]\n")
            elif kind < 0.9:
                parts.append(f"[[{names[rng.randrange(notes)]}#Heading|shown]]\n")
            else:
                parts.append(f"[[Missing {rng.randrange(1000)}]]\n")
        if i % 10 == 0:
            parts.append("```\n[[not a link]]\n```\n`[[code]]`\n")
        p = root / f"{name}.md"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("".join(parts), encoding="utf-8")
    return links, len(images)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def bench_links(args: argparse.Namespace) -> None:
    from vaultkit.pipeline.links import links_check

    root = Path(tempfile.mkdtemp(prefix="vk-bench-")) / "vault"
    root.mkdir()
    try:
        links, images = make_link_vault(root, args.notes)
        print(f"vault: {args.notes} notes, {links} links, {images} attachments")
        cold, report = timed(lambda: links_check(root))
        warm, _ = timed(lambda: links_check(root))
        print(f"vaultkit links check, cold:  {cold:8.2f} s  ({report.links} links, {len(report.broken)} broken)")
        print(f"vaultkit links check, cached: {warm:7.2f} s")
        try:
            import obsidiantools.api as otools
        except ImportError:
            print("obsidiantools not installed (pip install -e '.[bench]'); no ratio")
            return
        peer, _ = timed(lambda: otools.Vault(root).connect(attachments=True).gather())
        print(f"obsidiantools connect+gather: {peer:6.2f} s")
        print(f"ratio obsidiantools / vaultkit: cold {peer / cold:.1f}x, cached {peer / warm:.1f}x")
    finally:
        shutil.rmtree(root.parent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("links", help="links check against obsidiantools")
    p.add_argument("--notes", type=int, default=10_000)
    p.set_defaults(func=bench_links)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
