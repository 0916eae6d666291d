"""Which file a link points to, by Obsidian's rules (see obsidian-links.md).

1. ``./x`` and ``../x`` are relative to the source note's folder, exactly.
2. An exact vault path wins.
3. Otherwise candidates are files whose path ends with the link, component by component.
4. One in the source note's own folder wins;
5. else the shortest full path; 6. equal lengths elsewhere are ambiguous
   (the first in sorted order is chosen, and the link is reported).

Names compare case-insensitively after NFC; ``.md`` is optional for notes only.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from vaultkit.vault.paths import NOTE_EXT, fold


class Resolution(NamedTuple):
    """Where a link points: ``path`` (None if nowhere) and, if ambiguous, all ``candidates``.

    A plain tuple with named fields: one is made for every target a vault links to.
    """

    path: str | None
    candidates: tuple[str, ...] = ()
    outside: bool = False  # a relative link that climbs out of the vault

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


NOWHERE = Resolution(None)


class Resolver:
    """Resolves link targets against a fixed set of vault-relative file paths.

    Each file's name is folded once, when it is added. A target's resolution
    is remembered per target (a vault links to the same notes over and over);
    only a target with several candidates depends on the source's folder.
    """

    def __init__(self, paths: Iterable[str]) -> None:
        self.by_path: dict[str, str] = {}
        self.by_name: dict[str, list[str]] = defaultdict(list)
        # target as written -> its resolution, or the candidates to choose among by the source's folder
        self._memo: dict[str, Resolution | tuple[str, ...]] = {}
        self._markdown: dict[tuple[str, str], Resolution] = {}
        self._answers: dict[str, Resolution] = {}
        for path in paths:
            self.add(path)

    def add(self, path: str) -> None:
        """Know one more file (a note about to be created, a plot about to be drawn)."""
        key = fold(path)
        if key not in self.by_path:
            self.by_path[key] = path
            self.by_name[key.rsplit("/", 1)[-1]].append(path)
            if self._memo or self._markdown:
                self._memo, self._markdown = {}, {}

    def remembered(self) -> dict[str, str | list[str] | None]:
        """What the wiki-link targets resolved so far point to: a path, None (nowhere) or the candidates.

        A function of the vault's paths alone (a pick among candidates is made per source, later), so it
        holds for another check of a vault with the same paths (``resolvecache``).
        """
        return {target: hit.path if isinstance(hit, Resolution) else list(hit) for target, hit in self._memo.items()}

    @property
    def remembered_count(self) -> int:
        """How many targets ``remembered`` would give."""
        return len(self._memo)

    def remember(self, found: dict[str, str | list[str] | None]) -> None:
        """Take back what ``remembered`` gave, for a vault with the same paths (every path one of them)."""
        memo = self._memo
        for target, hit in found.items():
            if isinstance(hit, list):
                memo[target] = tuple(hit)
            else:
                memo[target] = NOWHERE if hit is None else self._found(hit)

    def exists(self, path: str) -> bool:
        return fold(path) in self.by_path

    def resolve(self, target: str, source: str) -> Resolution:
        """Resolve a wiki-link target (no subpath) written in the note ``source``."""
        hit = self._memo.get(target)
        if hit is None:
            norm = target.strip().replace("\\", "/")
            if not norm:
                return Resolution(source)  # [[#Heading]]: the note itself
            if norm.startswith(("./", "../")):
                joined = posixpath.normpath(posixpath.join(posixpath.dirname(source), norm))
                if joined == ".." or joined.startswith("../"):
                    return Resolution(None, outside=True)
                return Resolution(self._exact(joined))
            key = fold(norm.lstrip("/"))  # folded once for both lookups
            exact = self.by_path.get(key) or self.by_path.get(key + NOTE_EXT)
            hit = self._memo[target] = self._found(exact) if exact is not None else self._pool(key)
        if type(hit) is Resolution:
            return hit
        return self._pick(hit, source)  # type: ignore[arg-type]

    def resolve_link(self, link: Any, source: str) -> Resolution:
        """Resolve a parsed link (wiki, markdown, frontmatter or canvas) written in ``source``."""
        kind = link.kind
        if kind == "wiki" or kind == "frontmatter":
            hit = self._memo.get(link.target)  # the common case, without a call per link
            return hit if type(hit) is Resolution else self.resolve(link.target, source)
        if kind == "markdown":
            return self.resolve_markdown(link.target, source)
        return Resolution(self._exact(link.target)) if link.target else NOWHERE

    def resolve_links(self, links: Sequence[Any], source: str) -> list[Resolution]:
        """``resolve_link`` of each of a note's links: the remembered targets without a call per link."""
        memo = self._memo
        out = []
        for link in links:
            kind = link.kind
            if kind == "wiki" or kind == "frontmatter":
                hit = memo.get(link.target)
                out.append(hit if type(hit) is Resolution else self.resolve(link.target, source))
            else:
                out.append(self.resolve_link(link, source))
        return out

    def warm(self, notes: Iterable[tuple[str, Sequence[Any]]]) -> None:
        """Look up where the links of these (source, links) point, ahead of the calls that will ask."""
        for source, links in notes:
            self.resolve_links(links, source)

    def resolve_markdown(self, target: str, source: str) -> Resolution:
        """Resolve a (percent-decoded) markdown destination: relative to the source first."""
        folder = posixpath.dirname(source)
        key = (target, folder)
        hit = self._markdown.get(key)
        if hit is None:
            hit = self._resolve_markdown(target, source)
            if hit.path != source:  # a link to its own note is no answer for the folder's other notes
                self._markdown[key] = hit
        return hit

    def _resolve_markdown(self, target: str, source: str) -> Resolution:
        if not target.startswith("/"):
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(source), target))
            if not joined.startswith("../") and joined != "..":
                exact = self._exact(joined)
                if exact is not None:
                    return Resolution(exact)
            elif target.startswith(("./", "../")):
                return Resolution(None, outside=True)
        if target.startswith(("./", "../")):
            return NOWHERE
        return self.resolve(target, source)

    def _exact(self, path: str) -> str | None:
        key = fold(path)
        return self.by_path.get(key) or self.by_path.get(key + NOTE_EXT)

    def _pool(self, key: str) -> Resolution | tuple[str, ...]:
        """Candidates by name (and trailing folders) for a target (folded) that is no exact path."""
        parts = key.split("/")
        name = parts[-1]
        pool = self.by_name.get(name, []) + self.by_name.get(name + NOTE_EXT, [])
        if len(parts) > 1:
            want = parts[:-1]
            pool = [p for p in pool if fold(p).split("/")[:-1][-len(want) :] == want]
        if not pool:
            return NOWHERE
        if len(pool) == 1:
            return self._found(pool[0])
        return tuple(pool)

    def _found(self, path: str) -> Resolution:
        """The one answer "it is ``path``", shared by every target that finds that file."""
        hit = self._answers.get(path)
        if hit is None:
            hit = self._answers[path] = Resolution(path)
        return hit

    @staticmethod
    def _pick(pool: tuple[str, ...], source: str) -> Resolution:
        folder = posixpath.dirname(source)
        local = [p for p in pool if posixpath.dirname(p) == folder]
        if local:
            return Resolution(min(local))
        shortest = min(len(p) for p in pool)
        best = sorted(p for p in pool if len(p) == shortest)
        return Resolution(best[0], tuple(best) if len(best) > 1 else ())
