"""Loads the line rules (schemas/rules.yaml) and publisher profiles (schemas/profiles/*.yaml)
into compiled, immutable objects: publisher knowledge stays data, this module only reads it.
Each file is checked against its schema (RULEBOOK_SCHEMA, PROFILE_SCHEMA) as it is read: a
mistake is a RulesError naming the file, the rule and the field, not a failure on a page."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

import yaml

from tasks.labels import Label

SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"


# What a rule may call a line (segment.py and strip.py act on these).
RULE_LABELS = tuple(Label(name) for name in ("boilerplate", "caption", "date", "dateline", "author", "credit",
                                              "tags", "related_header", "related_inline", "byline"))
# A rule's role in cutting a page into articles, besides its label (segment.py):
#   separator        its line ends the unit of lines it closes, as a related or tags header does
#   inside_body      a separator that may stand inside an article's body without ending it
#   inline_header    the line over one linked title inside a body, after which the body goes on
#   value_is_credit  a caption rule whose `value` is the photo's credit, not the caption
RULE_ROLES = ("separator", "inside_body", "inline_header", "value_is_credit")

_STRINGS = {"type": "array", "items": {"type": "string", "minLength": 1}}
_RULE = {
    "type": "object", "required": ["id", "label", "patterns"], "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
        "label": {"enum": [str(label) for label in RULE_LABELS]},
        "patterns": {**_STRINGS, "minItems": 1},
        "max_words": {"type": "integer", "minimum": 1},
        **{role: {"type": "boolean"} for role in RULE_ROLES},
    },
}
RULEBOOK_SCHEMA = {
    "type": "object", "required": ["caption_credits", "line_rules"], "additionalProperties": False,
    "properties": {"caption_credits": {**_STRINGS, "minItems": 1}, "outlet_credits": _STRINGS,
                   "title_tags": _STRINGS, "line_rules": {"type": "array", "items": _RULE}},
}
PROFILE_SCHEMA = {
    "type": "object", "required": ["id", "version"], "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
        "version": {"type": "integer", "minimum": 1},
        "publisher": {"type": ["string", "null"]},
        "match": {"type": "object", "additionalProperties": False,
                  "properties": {"hosts": _STRINGS, "sitenames": _STRINGS, "markers": _STRINGS}},
        "sections": {"type": ["array", "null"], "items": {"type": "string", "minLength": 1}},
        "line_rules": {"type": ["array", "null"], "items": _RULE},
        "time_zone": {"type": ["string", "null"]},
    },
}


class RulesError(ValueError):
    """A rules or profile file that does not say what its schema allows."""


@dataclass(frozen=True)
class LineRule:
    id: str
    label: Label
    patterns: tuple[re.Pattern, ...]
    max_words: int | None = None                # longer lines are prose that mentions the notice
    roles: frozenset[str] = frozenset()         # RULE_ROLES

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


def read_checked(path: Path, schema: dict) -> dict:
    """The YAML document at `path`, checked against `schema`."""
    import jsonschema

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise RulesError(f"{path}: not valid YAML: {' '.join(str(e).split())}") from None
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(doc))
    if error is not None:
        raise RulesError(f"{path}: {_where(doc, list(error.absolute_path))}: {error.message}")
    return doc


def _where(doc, path: list) -> str:
    """'line_rules[3] (rule comments), field label' for a path into the document."""
    if not path:
        return "the document"
    if len(path) >= 2 and path[0] == "line_rules" and isinstance(path[1], int):
        rule = doc["line_rules"][path[1]]
        name = f"line_rules[{path[1]}]" + (f" (rule {rule['id']})" if isinstance(rule, dict) and "id" in rule else "")
        rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path[3:])
        return name + (f", field {path[2]}{rest}" if len(path) > 2 else "")
    return "field " + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _compiled(pattern: str, path: Path, where: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as e:
        raise RulesError(f"{path}: {where}: not a regular expression: {e}") from None


def _rules(entries: list[dict] | None, credits: str, path: Path) -> tuple[LineRule, ...]:
    """Compiles line rules; `{credit}` in a pattern stands for any known credit."""
    seen: set[str] = set()
    rules = []
    for n, e in enumerate(entries or []):
        where = f"line_rules[{n}] (rule {e['id']})"
        if e["id"] in seen:
            raise RulesError(f"{path}: {where}: the id is used by an earlier rule")
        seen.add(e["id"])
        patterns = tuple(_compiled(p.replace("{credit}", credits), path, f"{where}, field patterns[{i}]")
                         for i, p in enumerate(e["patterns"]))
        rules.append(LineRule(e["id"], Label(e["label"]), patterns, max_words=e.get("max_words"),
                              roles=frozenset(role for role in RULE_ROLES if e.get(role))))
    return tuple(rules)


def load_profile(path: Path, credits: str = "(?!)") -> Profile:
    d = read_checked(path, PROFILE_SCHEMA)
    match = d.get("match") or {}
    return Profile(
        id=d["id"], version=int(d["version"]), publisher=d.get("publisher"),
        hosts=frozenset(h.lower() for h in match.get("hosts", [])),
        sitenames=frozenset(match.get("sitenames", [])),
        markers=tuple(_compiled(p, path, f"field match.markers[{i}]") for i, p in enumerate(match.get("markers", []))),
        sections=tuple(sorted(d.get("sections") or [], key=len, reverse=True)),
        line_rules=_rules(d.get("line_rules"), credits, path),
        time_zone=_time_zone(d.get("time_zone"), path),
    )


def _time_zone(name: str | None, path: Path) -> str | None:
    if name is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RulesError(f"{path}: time_zone {name!r} is not an IANA time zone name (e.g. Africa/Cairo)") from None
    return name


@lru_cache(maxsize=4)
def load_rulebook(schemas_dir: Path = SCHEMAS_DIR) -> RuleBook:
    path = schemas_dir / "rules.yaml"
    d = read_checked(path, RULEBOOK_SCHEMA)
    credits = "|".join(f"(?:{c})" for c in d["caption_credits"])
    any_credit = "|".join(f"(?:{c})" for c in d["caption_credits"] + d.get("outlet_credits", []))
    profiles = tuple(load_profile(p, any_credit) for p in sorted((schemas_dir / "profiles").glob("*.yaml")))
    return RuleBook(
        line_rules=_rules(d["line_rules"], any_credit, path),
        caption_credit=_compiled(rf"^\s*(?:{credits})\s*$", path, "field caption_credits"),
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
