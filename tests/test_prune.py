"""``links prune --all`` spares what Obsidian Publish uses without a link."""

from __future__ import annotations

from click.testing import CliRunner

from vaultkit.cli import cli


def prune(root, *extra):
    return CliRunner().invoke(cli, ["links", "prune", str(root), *extra])


def test_prune_all_spares_publish_favicons_and_preview_images(vault):
    root = vault(
        {
            "favicon-32x32.png": b"p",
            "favicon.ico": b"i",
            "favicon-128.png": b"p",
            "Attachments/Cover.png": b"p",
            "Attachments/Card.png": b"p",
            "Attachments/orphan.png": b"p",
            "sub/favicon-32x32.png": b"p",
            "Home.md": "---\ncover: Attachments/Cover.png\n---\n# Home\n",
            "Other.md": '---\nimage: "[[Card.png]]"\ndescription: x\n---\n',
            "Web.md": "---\nimage: https://example.com/x.png\n---\n",
        }
    )
    dry = prune(root, "--all", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert prune(root, "--all").exit_code == 0
    for kept in (
        "favicon-32x32.png",
        "favicon.ico",
        "favicon-128.png",
        "Attachments/Cover.png",
        "Attachments/Card.png",
    ):
        assert (root / kept).exists(), kept
    # Only the root favicon is Publish's; an orphan is an orphan.
    assert not (root / "Attachments/orphan.png").exists() and not (root / "sub/favicon-32x32.png").exists()
    assert (root / ".trash/Attachments/orphan.png").exists()
