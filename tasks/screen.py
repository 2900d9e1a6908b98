"""A cheap test that must pass for a regular expression to match: the literal text it cannot
match without, found by reading the compiled pattern's parse tree. Substring tests run in C at
hundreds of MB/s, while Python's regex engine tries a 20-way alternation at every position of
a line; with a screen in front, almost every body line skips almost every rule.

Only necessary conditions are derived (a screen may pass a line the pattern then rejects,
never the reverse); a pattern the analysis does not understand gets no screen."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

# The parser behind `re.compile`. It is private, but it has kept its shape since Python 3.0 and
# the standard library's own tools read it; `sre_parse` is the same module under a deprecated name.
import re._constants as C
import re._parser as P


@dataclass(frozen=True)
class Screen:
    starts_with: tuple[str, ...] = ()        # the line starts with one of these (when given)
    contains: tuple[str, ...] = ()            # the line holds every one of these
    contains_one_of: tuple[tuple[str, ...], ...] = field(default=())   # …and one of each group

    def __call__(self, line: str) -> bool:
        if self.starts_with and not line.startswith(self.starts_with):
            return False
        for text in self.contains:
            if text not in line:
                return False
        for group in self.contains_one_of:
            if not any(text in line for text in group):
                return False
        return True

    def could_be_in(self, text: str) -> bool:
        """False when no line of `text` (lines joined) can pass: what a line must contain is
        not in the text at all."""
        return all(t in text for t in self.contains) and all(any(t in text for t in g) for g in self.contains_one_of)

    @property
    def empty(self) -> bool:
        return not (self.starts_with or self.contains or self.contains_one_of)


def screen_of(pattern: re.Pattern) -> Screen | None:
    """The pattern's screen, or None when nothing cheap is required (the pattern must be tried)."""
    if pattern.flags & (re.IGNORECASE | re.VERBOSE) or isinstance(pattern.pattern, bytes):
        return None
    try:
        items = list(P.parse(pattern.pattern, pattern.flags))
    except (re.error, RecursionError):
        return None
    starts_with: tuple[str, ...] = ()
    if items and items[0] == (C.AT, C.AT_BEGINNING) and not pattern.flags & re.MULTILINE:
        starts_with = _prefixes(items[1:]) or ()
    contains: list[str] = []
    one_of: list[tuple[str, ...]] = []
    _mandatory(items, contains, one_of)
    result = Screen(starts_with, tuple(t for t in contains if t), tuple(g for g in one_of if g))
    return None if result.empty else result


def _literal_run(items: list) -> str:
    """The literal text an item sequence starts with ("" if none)."""
    out = []
    for op, av in items:
        if op is C.LITERAL:
            out.append(chr(av))
        else:
            break
    return "".join(out)


def _alternatives(item) -> list[list] | None:
    """The alternatives of a branch, possibly inside a group, as item lists; else None."""
    op, av = item
    if op is C.SUBPATTERN and av[1] & re.IGNORECASE:
        return None                           # (?i:…): its letters may come in either case
    if op is C.SUBPATTERN:
        inner = list(av[3])
        return (_alternatives(inner[0]) if len(inner) == 1 else None) or [inner]
    if op is C.BRANCH:
        return [list(alt) for alt in av[1]]
    return None


def _prefixes(items: list) -> tuple[str, ...] | None:
    """The texts one of which the sequence must start with, or None when that is unknown."""
    while items and items[0][0] is C.AT:      # zero-width: ^, \b … take no text
        items = items[1:]
    if not items:
        return None
    if items[0][0] is C.LITERAL:
        return (_literal_run(items),)
    alternatives = _alternatives(items[0])
    if not alternatives:
        return None
    prefixes: list[str] = []
    for alt in alternatives:
        run = _prefixes(alt)
        if not run or not all(run):
            return None
        prefixes.extend(run)
    return tuple(prefixes)


def _mandatory(items: list, contains: list[str], one_of: list[tuple[str, ...]]) -> None:
    """Collects what a sequence cannot match without: its literal runs, one of its branches'
    leading texts, one of the characters of a small character set."""
    run: list[str] = []
    for op, av in items + [(None, None)]:
        if op is C.LITERAL:
            run.append(chr(av))
            continue
        if run:
            contains.append("".join(run))
            run = []
        if op is C.SUBPATTERN or op is C.BRANCH:
            alternatives = _alternatives((op, av))
            if alternatives is None:
                continue
            if len(alternatives) == 1:
                _mandatory(alternatives[0], contains, one_of)
            else:
                texts = [_prefixes(alt) for alt in alternatives]
                if all(t and all(t) for t in texts):
                    one_of.append(tuple(x for t in texts if t for x in t))
        elif op is C.MAX_REPEAT or op is C.MIN_REPEAT or op is C.POSSESSIVE_REPEAT:
            low, _, body = av
            if low >= 1:
                _mandatory(list(body), contains, one_of)
        elif op is C.IN:
            chars = [chr(v) for o, v in av if o is C.LITERAL]
            if chars and len(chars) == len(av) and len(chars) <= 8:
                one_of.append(tuple(chars))


def screened(patterns: tuple[re.Pattern, ...]) -> tuple[tuple[re.Pattern, Callable[[str], bool] | None], ...]:
    return tuple((p, screen_of(p)) for p in patterns)
