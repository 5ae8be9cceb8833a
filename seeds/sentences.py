"""What a "whole sentence" of a source file is, for the quotes the seed records cite.

The rule, plainly (seeds/README.md states it too):

- A source file is read line by line; a quote never spans two lines.
- Within a line, a sentence ends at a full stop, question mark or exclamation mark, English or
  Chinese (``. ? ! 。 ？ ！``), together with any closing quotation marks or brackets right after
  it, when what follows is a space, the end of the line, or the capital letter or opening
  quotation mark of the next sentence, or a bullet (the articles sometimes run two sentences
  together: "economy.The"). A semicolon or colon (``;`` ``:`` ``；`` ``：``) ends a sentence
  only at the end of a line: a numbered list item ("1. Analyze ...;") or a sentence that
  introduces a list ("... the following job types:"). A list number ("1.") is not part of the
  sentence after it.
- A line right after a line that ends with a colon (blank lines aside) is an item of the list
  that line introduces, and counts as a sentence as a whole ("Data Annotators, AI Algorithm
  Testers" after "... the following job types:").
- A quote is whole when it starts where a sentence starts (the start of a line, or after the end
  of a sentence and its spaces) and ends where a sentence ends. It may be a run of consecutive
  whole sentences of one line. Headings, bylines and labels end in no such punctuation, so no
  quote can be one of them, nor a fragment cut from the middle of a sentence.
"""

from __future__ import annotations

import re

# Sentence-ending punctuation, with closing quotes or brackets right after it.
_END = re.compile(r"[.?!。？！]['\"’”)）」』]*")
_LINE_END_MARK = re.compile(r"[;；:：]['\"’”)）]*\s*$")
# What may follow the end of a sentence on the same line: a space, or the next sentence's first
# character (a capital letter or an opening quotation mark) when the article leaves no space.
_NEXT_STARTS = re.compile(r"\s|[A-Z“\"‘(（•·]")
# Characters that may sit between a line's start and its first word (bullets, spaces).
_LEAD = re.compile(r"[\s•·\-–—*>]*")


def _boundaries(line: str) -> tuple[set[int], set[int]]:
    """Offsets in ``line`` where a sentence may start, and where one may end."""
    starts = {_LEAD.match(line).end()}
    ends: set[int] = set()
    for match in _END.finditer(line):
        end = match.end()
        if end < len(line) and not _NEXT_STARTS.match(line, end):
            continue  # "1.5 million", "etc., and": not the end of a sentence
        ends.add(end)
        following = end
        while following < len(line) and line[following].isspace():
            following += 1
        if following < len(line):
            starts.add(following)
    if _LINE_END_MARK.search(line):
        ends.add(len(line.rstrip()))
    return starts, ends


class SentenceIndex:
    """The sentences of one source file, to check quotes against."""

    def __init__(self, text: str) -> None:
        self.lines = [line.rstrip("\r") for line in text.split("\n")]
        self._bounds = [_boundaries(line) for line in self.lines]
        previous = ""
        for line, (_starts, ends) in zip(self.lines, self._bounds, strict=True):
            if not line.strip():
                continue
            if previous.rstrip().endswith((":", "：")):
                ends.add(len(line.rstrip()))  # a list item: the whole line
            previous = line

    def is_whole(self, quote: str) -> bool:
        """True when ``quote`` is one or more consecutive whole sentences of one line."""
        if not quote or "\n" in quote or not any(ch.isalpha() for ch in quote):
            return False
        for line, (starts, ends) in zip(self.lines, self._bounds, strict=True):
            position = line.find(quote)
            while position != -1:
                if position in starts and position + len(quote) in ends:
                    return True
                position = line.find(quote, position + 1)
        return False
