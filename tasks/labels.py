"""What a page's line is: one vocabulary for every module that labels lines or acts on their
labels (linerules, segment, strip, profiles' rules, `khabar explain`). A StrEnum, so a label
is still its plain name in the run report and in explain's output."""
from __future__ import annotations

from enum import StrEnum


class Label(StrEnum):
    BLANK = "blank"
    TEXT = "text"                       # not judged yet: prose, a headline, a menu item …
    TITLE = "title"                     # segmentation's verdicts on text lines
    SUBTITLE = "subtitle"
    BODY = "body"
    RELATED = "related"                 # a related item's line (teaser, linked title)
    CAPTION = "caption"                 # the line rules' verdicts
    BYLINE = "byline"
    DATE = "date"
    DATELINE = "dateline"
    AUTHOR = "author"
    CREDIT = "credit"
    TAGS = "tags"
    RELATED_HEADER = "related_header"
    RELATED_INLINE = "related_inline"
    BOILERPLATE = "boilerplate"
    REPEATED = "repeated"
