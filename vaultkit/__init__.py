"""vaultkit: build and keep an Obsidian vault of per-gene research notes."""

__version__ = "0.1.0"
