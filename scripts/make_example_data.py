"""Write the synthetic example cohort (seeded, so the same bytes every time).

About 30 patients in four conditions (healthy, pah, ph-lung, cteph), sPAP and
mPAP in mmHg (mPAP ~ 0.61 * sPAP + 2, with its own noise), and ATAC-like signal for a few hundred
regions near the transcription starts of pulmonary-hypertension genes taken
from the bundled GRCh38 spans. Some regions carry planted positive and
negative associations; the user's own LIF, MYC and USP44 regions are included
so their hand-written notes are adopted. All of it is SYNTHETIC.

    python scripts/make_example_data.py [--out data] [--seed 7] [--genes N] [--regions-per-gene N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PH_GENES = [
    "LIF",
    "BMPR2",
    "EDN1",
    "NOS3",
    "KCNK3",
    "SOX17",
    "ACVRL1",
    "ENG",
    "SMAD9",
    "CAV1",
    "TBX4",
    "GDF2",
    "ATP13A3",
    "AQP1",
    "IL6",
    "VEGFA",
    "HIF1A",
    "NOTCH3",
    "MYC",
    "USP44",
    "IFITM3",
    "IL31RA",
]
USER_REGIONS = {"LIF": (30247659, 30247698), "MYC": (127737154, 127737343), "USP44": (95551956, 95552145)}
CONDITIONS = [("healthy", 8, 28, 5), ("pah", 8, 70, 14), ("ph-lung", 7, 52, 10), ("cteph", 7, 62, 12)]


def make_cohort(rng: np.random.Generator) -> list[dict[str, object]]:
    rows = []
    for cond, count, mean, sd in CONDITIONS:
        for _ in range(count):
            spap = float(np.clip(rng.normal(mean, sd), 18, 110))
            rows.append(
                {
                    "condition": cond,
                    "age": int(rng.integers(25, 80)),
                    "sex": str(rng.choice(["F", "M"])),
                    "sPAP": round(spap, 1),
                    "mPAP": round(0.61 * spap + 2 + rng.normal(0, 4.0), 1),
                }
            )
    order = rng.permutation(len(rows))
    return [{"sample": f"P{i + 1:02d}", **rows[j]} for i, j in enumerate(order)]


def make_regions(rng: np.random.Generator, genes: list[str], per_gene: int) -> list[tuple[str, str, int, int]]:
    from vaultkit.genome.genes import gene_table, span_table

    out = []
    for symbol in genes:
        span = span_table().span(symbol)
        ensembl = gene_table().lookup(symbol).ensembl_id
        if symbol in USER_REGIONS:
            out.append((ensembl, span.chrom, *USER_REGIONS[symbol]))
        for _ in range(per_gene - (symbol in USER_REGIONS)):
            start = span.tss + int(rng.integers(-5000, 5000))
            out.append((ensembl, span.chrom, start, start + int(rng.integers(40, 400)) - 1))
    return sorted(set(out), key=lambda r: (r[1], r[2], r[3], r[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("data"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--genes", type=int, default=len(PH_GENES))
    parser.add_argument("--regions-per-gene", type=int, default=14)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    cohort = make_cohort(rng)
    regions = make_regions(rng, PH_GENES[: args.genes], args.regions_per_gene)
    spap = np.array([p["sPAP"] for p in cohort])
    z = (spap - spap.mean()) / spap.std()
    n = len(cohort)
    planted = {r: s for r, s in zip(regions, rng.choice([0.0, 0.0, 0.0, 0.9, -0.8], size=len(regions)), strict=True)}
    for symbol, (start, _) in USER_REGIONS.items():
        for r in regions:
            if r[2] == start:
                planted[r] = -0.9 if symbol == "USP44" else 0.85
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "phenotypes.tsv", "w", encoding="utf-8") as fh:
        cols = ["sample", "condition", "age", "sex", "sPAP", "mPAP"]
        fh.write("\t".join(cols) + "\n")
        for p in cohort:
            fh.write("\t".join(str(p[c]) for c in cols) + "\n")
    with open(args.out / "features.tsv", "w", encoding="utf-8") as fh:
        fh.write("region\t" + "\t".join(p["sample"] for p in cohort) + "\n")
        for gene, chrom, start, end in regions:
            base = rng.uniform(2, 12)
            signal = base + planted[(gene, chrom, start, end)] * z + rng.normal(0, 0.8, n)
            if rng.random() < 0.1:
                signal[rng.integers(0, n)] = np.nan  # ATAC peaks sometimes drop out
            cells = ["" if np.isnan(v) else f"{v:.3f}" for v in signal]
            fh.write(f"{gene}_{chrom}.{start}.{end}\t" + "\t".join(cells) + "\n")
    print(f"wrote {n} samples and {len(regions)} regions of {args.genes} genes to {args.out}/ (synthetic)")


if __name__ == "__main__":
    main()
