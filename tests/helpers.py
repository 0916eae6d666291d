"""Helpers the tests share: small vaults written in the tests, a synthetic cohort, the user's real notes.

Import them from here (``from tests.helpers import make_gene_vault``), never from ``tests.conftest``:
pytest loads conftest.py as a plugin of its own, and importing it again as ``tests.conftest`` makes a second
copy of the module (issue 14).
"""

from __future__ import annotations

import os
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = FIXTURES / "vault_examples"


def write_vault(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create a vault under ``root`` with the given files (str as UTF-8), marked as one by ``.obsidian/``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / ".obsidian").mkdir(exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return root


def age(root: Path, seconds: float = 3600) -> None:
    """Every file of the vault dated ``seconds`` back: older than any cache made now.

    The links caches read again a file no older than themselves (written in the
    same tick of the file system's clock, it may have changed unseen); a test
    that expects a cache to be used writes its vault long before.
    """
    for path in root.rglob("*"):
        if path.is_file() and ".vaultkit" not in path.relative_to(root).parts:
            st = path.stat()
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - int(seconds * 1e9)))


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (dot-folders of vaultkit's own state excluded)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".vaultkit" not in p.parts
    }


USER_REGIONS = {
    "ENSG00000128342": ("chr22", 30247659, 30247698),  # LIF
    "ENSG00000136997": ("chr8", 127737154, 127737343),  # MYC
    "ENSG00000136014": ("chr12", 95551956, 95552145),  # USP44
    "ENSG00000204217": ("chr2", 202376000, 202376100),  # BMPR2
    "ENSG00000142089": ("chr11", 321000, 321100),  # IFITM3: the user's note starts with "# Consensus"
    "ENSG00000164509": ("chr5", 55851000, 55851100),  # IL31RA: one line, no headings, a Zotero link
}


def write_cohort(folder: Path, *, seed: int = 0, n: int = 24, strength: float = 0.9) -> None:
    """A small synthetic cohort: the user's regions plus noise regions, planted associations."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    conds = (["healthy", "pah", "ph-lung", "cteph"] * n)[:n]
    spap = rng.normal(50, 15, n)
    pheno = pd.DataFrame(
        {
            "sample": [f"S{i:02d}" for i in range(n)],
            "condition": conds,
            "sPAP": spap.round(1),
            "mPAP": (0.61 * spap + 2 + rng.normal(0, 2, n)).round(1),
        }
    )
    z = (spap - spap.mean()) / spap.std()
    rows, ids = [], []
    for i, (gene, (chrom, start, end)) in enumerate(USER_REGIONS.items()):
        sign = -1 if gene == "ENSG00000136014" else 1
        rows.append(8 + sign * strength * z + rng.normal(0, 0.5, n))
        ids.append(f"{gene}_{chrom}.{start}.{end}")
        rows.append(8 + rng.normal(0, 1, n))  # a noise region of the same gene
        ids.append(f"{gene}_{chrom}.{start + 1000 + i}.{end + 1000 + i}")
    feats = pd.DataFrame(np.array(rows).round(3), columns=pheno["sample"])
    feats.insert(0, "region", ids)
    folder.mkdir(parents=True, exist_ok=True)
    feats.to_csv(folder / "features.tsv", sep="\t", index=False)
    pheno.to_csv(folder / "phenotypes.tsv", sep="\t", index=False)


def make_gene_vault(root: Path, *, seed: int = 0, user_notes: bool = False, extra_toml: str = "") -> Path:
    """A vault with data/ and vaultkit.toml (sources off unless asked), optionally the user's real notes."""
    import shutil

    write_cohort(root / "data", seed=seed)
    (root / "vaultkit.toml").write_text(
        'notes_dir = "Genes"\nattachments_dir = "plots"\n[data]\ntraits = ["sPAP", "mPAP"]\n'
        + extra_toml
        + ("" if "[sources]" in extra_toml else "[sources]\nenabled = []\n")
    )
    if user_notes:
        shutil.copytree(EXAMPLES / "GeneDump", root / "Genes")
        shutil.copytree(EXAMPLES / "plot_dump", root / "plot_dump")
    return root


def correctly_rounded_r(x: list[float], y: list[float]) -> float:
    """Pearson r from exact rational sums, its square root to 60 digits, rounded once to a double: the
    reference for vaultkit.exact (test_stats, test_reproducible)."""
    from decimal import Decimal, getcontext
    from fractions import Fraction

    fx, fy = [Fraction(v) for v in x], [Fraction(v) for v in y]
    mx, my = sum(fx) / len(fx), sum(fy) / len(fy)
    sxy = sum((a - mx) * (b - my) for a, b in zip(fx, fy, strict=True))
    sxx = sum((a - mx) ** 2 for a in fx)
    syy = sum((b - my) ** 2 for b in fy)
    getcontext().prec = 60
    r2 = Fraction(sxy * sxy) / (sxx * syy)
    r = (Decimal(r2.numerator) / Decimal(r2.denominator)).sqrt()
    return float(r) if sxy >= 0 else -float(r)


def refuse_reading(monkeypatch, which):
    """Notes for which ``which(rel)`` is true cannot be read (the file system refuses them, as a missing
    permission would); returns the real reader, to put back as ``index._read`` ("chmod +r")."""
    from vaultkit.vault import index
    from vaultkit.vault.notes import UnreadableNote

    real = index._read

    def refused(root, folder, rel, size):
        if which(rel):
            try:
                raise PermissionError(13, "Permission denied")
            except OSError:
                raise UnreadableNote(index.Finding(rel, 1, "cannot read: Permission denied")) from None
        return real(root, folder, rel, size)

    monkeypatch.setattr(index, "_read", refused)
    return real
