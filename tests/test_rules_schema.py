"""schemas/rules.yaml and the profiles are checked against their schema as they are read
(tasks/profiles.py): a mistake names the file, the rule and the field."""
import shutil

import pytest

from tasks.profiles import SCHEMAS_DIR, RulesError, load_profile, load_rulebook

RULES = (SCHEMAS_DIR / "rules.yaml").read_text(encoding="utf-8")


def _book_with(tmp_path, old: str, new: str):
    assert old in RULES
    (tmp_path / "profiles").mkdir()
    (tmp_path / "rules.yaml").write_text(RULES.replace(old, new, 1), encoding="utf-8")
    load_rulebook.cache_clear()
    try:
        return load_rulebook(tmp_path)
    finally:
        load_rulebook.cache_clear()


@pytest.mark.parametrize("old, new, message", [
    ("  - id: comments\n    label: boilerplate\n", "  - id: comments\n    label: boilerplat\n",
     r"line_rules\[\d+\] \(rule comments\), field label: 'boilerplat' is not one of"),
    ("    separator: true\n", "    separator: yes please\n",
     r"line_rules\[\d+\] \(rule comments\), field separator: 'yes please' is not of type 'boolean'"),
    ("    max_words: 40\n", "    max_word: 40\n",
     r"line_rules\[\d+\] \(rule comments\): Additional properties are not allowed \('max_word' was unexpected\)"),
    ("  - id: lone_number\n    label: boilerplate\n    patterns: ['^[\\d٠-٩,.\\s]{1,12}$']\n",
     "  - id: lone_number\n    label: boilerplate\n    patterns: ['^[\\d٠-٩,.\\s{1,12}$']\n",
     r"line_rules\[\d+\] \(rule lone_number\), field patterns\[0\]: not a regular expression"),
    ("  - id: lone_number\n", "  - id: share_marker\n",
     r"line_rules\[\d+\] \(rule share_marker\): the id is used by an earlier rule"),
    ("  - id: tags\n    label: tags\n    patterns:", "  - id: tags\n    label: tags\n    pattern:",
     r"line_rules\[\d+\] \(rule tags\): 'patterns' is a required property"),
    ("caption_credits:", "caption_credit:", r"the document: .*"),
])
def test_a_broken_rules_file_is_refused_naming_the_file_rule_and_field(tmp_path, old, new, message):
    with pytest.raises(RulesError, match=rf"^{tmp_path / 'rules.yaml'}: {message}"):
        _book_with(tmp_path, old, new)


def test_roles_come_from_the_file():
    book = load_rulebook()
    roles = {rule.id: rule.roles for rule in book.line_rules if rule.roles}
    assert roles["read_also_header"] == {"inline_header", "inside_body"}
    assert roles["copyright"] == {"separator", "inside_body"}
    assert "separator" in roles["comments"]


def test_a_role_given_to_another_rule_changes_segmentation(tmp_path):
    """A rule made a separator in the file ends the unit its line closes: no rule id in Python."""
    from tasks.linerules import label_lines
    from tasks.segment import split_units

    lines = ["فقرة أولى من الخبر تقول شيئا مهما للقارئ.", "إعلان", "فقرة ثانية من الخبر تكمل القصة."]
    plain = load_rulebook()
    book = _book_with(tmp_path, "  - id: ui_text\n    label: boilerplate\n",
                      "  - id: ui_text\n    label: boilerplate\n    separator: true\n")
    assert len(split_units(label_lines(lines, plain, None))) == 1
    assert len(split_units(label_lines(lines, book, None))) == 2


def test_every_profile_passes_and_a_broken_one_is_named(tmp_path):
    for path in sorted((SCHEMAS_DIR / "profiles").glob("*.yaml")):
        load_profile(path)
    bad = tmp_path / "bad.v1.yaml"
    shutil.copy(SCHEMAS_DIR / "profiles" / "elaph.v1.yaml", bad)
    bad.write_text(bad.read_text(encoding="utf-8").replace("version: 1", "version: one"), encoding="utf-8")
    with pytest.raises(RulesError, match=rf"^{bad}: field version: 'one' is not of type 'integer'"):
        load_profile(bad)
