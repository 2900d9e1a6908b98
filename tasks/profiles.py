"""Loads the line rules (schemas/rules.yaml) and publisher profiles (schemas/profiles/*.yaml)
into compiled, immutable objects: publisher knowledge stays data, this module only reads it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

import yaml

SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"


@dataclass(frozen=True)
class LineRule:
    id: str
    label: str
    patterns: tuple[re.Pattern, ...]
    max_words: int | None = None                # longer lines are prose that mentions the notice

    def match(self, line: str) -> re.Match | None:
        if self.max_words is not None and line.count(" ") >= self.max_words:
            return None
        for pattern in self.patterns:
            m = pattern.search(line)
            if m:
                return m
        return None


@dataclass(frozen=True)
class Profile:
    id: str
    version: int
    publisher: str | None
    hosts: frozenset[str]
    sitenames: frozenset[str]
    markers: tuple[re.Pattern, ...]
    sections: tuple[str, ...]
    line_rules: tuple[LineRule, ...]
    time_zone: str | None = None     # IANA name: the zone of the times its pages print without one

    @property
    def key(self) -> str:
        return f"{self.id}.v{self.version}"


@dataclass(frozen=True)
class RuleBook:
    """Everything the strip stage knows, as one value threaded through its calls."""
    line_rules: tuple[LineRule, ...]
    caption_credit: re.Pattern       # matches a whole parenthesised credit's content
    title_tags: frozenset[str]
    profiles: tuple[Profile, ...]


def _rules(entries: list[dict], credits: str) -> tuple[LineRule, ...]:
    """Compiles line rules; `{credit}` in a pattern stands for any known credit."""
    return tuple(LineRule(e["id"], e["label"],
                          tuple(re.compile(p.replace("{credit}", credits)) for p in e["patterns"]),
                          max_words=e.get("max_words"))
                 for e in entries or [])


def load_profile(path: Path, credits: str = "(?!)") -> Profile:
    d = yaml.safe_load(path.read_text(encoding="utf-8"))
    match = d.get("match") or {}
    return Profile(
        id=d["id"], version=int(d["version"]), publisher=d.get("publisher"),
        hosts=frozenset(h.lower() for h in match.get("hosts", [])),
        sitenames=frozenset(match.get("sitenames", [])),
        markers=tuple(re.compile(p) for p in match.get("markers", [])),
        sections=tuple(sorted(d.get("sections") or [], key=len, reverse=True)),
        line_rules=_rules(d.get("line_rules"), credits),
        time_zone=_time_zone(d.get("time_zone"), path),
    )


class ProfileError(ValueError):
    """A profile file that says something impossible."""


def _time_zone(name: str | None, path: Path) -> str | None:
    if name is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProfileError(f"{path}: time_zone {name!r} is not an IANA time zone name (e.g. Africa/Cairo)") from None
    return name


@lru_cache(maxsize=4)
def load_rulebook(schemas_dir: Path = SCHEMAS_DIR) -> RuleBook:
    d = yaml.safe_load((schemas_dir / "rules.yaml").read_text(encoding="utf-8"))
    credits = "|".join(f"(?:{c})" for c in d["caption_credits"])
    any_credit = "|".join(f"(?:{c})" for c in d["caption_credits"] + d.get("outlet_credits", []))
    profiles = tuple(load_profile(p, any_credit) for p in sorted((schemas_dir / "profiles").glob("*.yaml")))
    return RuleBook(
        line_rules=_rules(d["line_rules"], any_credit),
        caption_credit=re.compile(rf"^\s*(?:{credits})\s*$"),
        title_tags=frozenset(d.get("title_tags", [])),
        profiles=profiles,
    )


def match_profile(book: RuleBook, lines: list[str], url: str | None = None,
                  sitename: str | None = None) -> Profile | None:
    """The profile whose host, site name or marker lines fit the page best; None if none fits."""
    host = (urlparse(url).hostname or "").lower() if url else ""
    best, best_score = None, 0
    for profile in book.profiles:
        score = 0
        if host and host in profile.hosts:
            score += 10
        if sitename and sitename in profile.sitenames:
            score += 5
        score += sum(1 for m in profile.markers if any(m.search(line) for line in lines))
        # The newest version of a layout wins a tie.
        if score > best_score or (score and score == best_score and best and profile.id == best.id
                                  and profile.version > best.version):
            best, best_score = profile, score
    return best
