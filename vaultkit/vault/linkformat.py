"""New links written the way the vault's Obsidian settings ask (newLinkFormat, useMarkdownLinks)."""

from __future__ import annotations

import posixpath

from vaultkit.vault.obsidian import AppSettings
from vaultkit.vault.paths import NOTE_EXT
from vaultkit.vault.resolve import Resolver

# What Obsidian percent-encodes in the paths of markdown links it writes.
_MD_ESCAPES = {" ": "%20", "#": "%23", "%": "%25", "(": "%28", ")": "%29"}


def encode_markdown_path(path: str) -> str:
    """A path as a markdown link destination: space, ``#``, ``%``, ``(`` and ``)`` percent-encoded."""
    return "".join(_MD_ESCAPES.get(ch, ch) for ch in path)


def link_target(target: str, source: str, resolver: Resolver, app: AppSettings) -> str:
    """The path text a new link from ``source`` to ``target`` should carry."""
    if app.new_link_format == "relative":
        rel = posixpath.relpath("/" + target, "/" + posixpath.dirname(source))  # rooted: no cwd needed
        return rel
    if app.new_link_format == "absolute":
        return target
    name = target.rsplit("/", 1)[-1]
    res = resolver.resolve(name, source)
    return name if res.path == target and not res.ambiguous else target


def new_link(
    target: str, source: str, resolver: Resolver, app: AppSettings, *, embed: bool = False, display: str | None = None
) -> str:
    """A whole new link or embed, e.g. ``![[plot.png]]`` or ``![](plots/plot%201.png)``."""
    path = link_target(target, source, resolver, app)
    bang = "!" if embed else ""
    if app.use_markdown_links:
        return f"{bang}[{display or ''}]({encode_markdown_path(path)})"
    if path.endswith(NOTE_EXT):
        path = path[: -len(NOTE_EXT)]
    return f"{bang}[[{path}{'|' + display if display else ''}]]"
