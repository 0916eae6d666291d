"""Obsidian I/O: notes, frontmatter, links, resolution, rewrites, managed content, trash.

This layer knows nothing of genes, tables, plots or HTTP.
"""
