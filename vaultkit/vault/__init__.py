"""Obsidian I/O: notes, frontmatter, links, resolution, rewrites, trash.

This layer knows nothing of genes, tables, plots or HTTP.
"""
