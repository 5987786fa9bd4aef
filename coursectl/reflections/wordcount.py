"""Count the words a reader sees in a rendered Markdown reflection.

The rule (also in docs/commands.md, check-reflections):

- The file is rendered as GitHub renders it (CommonMark with tables, strikethrough and
  footnotes). YAML front matter at the top, HTML comments, HTML tags, Markdown markup
  (`#`, `*`, `>`, list markers, table pipes, footnote markers) and link/image URLs are not words.
- Visible text is split at whitespace. A piece counts as one word when it holds at least one
  character that is not punctuation, so `well-known`, `state-of-the-art`, `and/or`, `word—word`,
  `50%` and `2026` are one word each, while a lone `—`, `–`, `...` or `&` is none.
- Link text counts (`[the paper](https://…)` is 2 words); so does an image's alt text, and a
  bare or `<autolinked>` URL, which is the text the reader sees.
- Code counts: every whitespace-separated piece of an inline code span or a code block is a word,
  punctuation or not (`a = b` is 3).
- Text inside HTML blocks (`<div>…</div>`, `<details>`) counts; tags, comments, `<script>` and
  `<style>` do not.

This agrees with pandoc's body word count (`pandoc -f markdown -t plain -L pandoc-wordcount.lua`)
on ordinary prose; tests/test_reflections_wordcount.py compares the two on a corpus and pins the
few places where pandoc's Markdown dialect or its Lua filter sees something a reader does not.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from html.parser import HTMLParser
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

_ASCII_PUNCTUATION = frozenset(string.punctuation)
# Pandoc's filter splits code at ASCII whitespace only (Lua's %S); do the same so code agrees.
_CODE_PIECE = re.compile(r"[^ \t\n\r\f\v]+")
# Pandoc's YAML metadata block: `---` on the first line, not followed by a blank line, closed by
# a line of `---` or `...`.
_FRONT_MATTER = re.compile(
    r"\A\ufeff?---[ \t]*\r?\n(?![ \t]*\r?\n)(?:.*?\n)??(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S
)


_MAX_NESTING = 100
# The markers that open a container at the start of a line: quote `>`, bullet, ordered item.
_CONTAINER_MARKER = re.compile(r"^(?:[ \t]*(?:>[ \t]?|[-+*][ \t]+|\d{1,9}[.)][ \t]+))+", re.M)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    # No typographer (that would turn `--` into a dash) and no linkify: a bare URL stays one
    # piece of text, as GitHub shows it.
    # maxNesting: the preset's 20 drops the text of a quote nested 20 deep; 100 keeps any real
    # document whole while still bounding recursion on hostile input (count_words recounts a
    # deeper one flattened).
    return (
        MarkdownIt("commonmark", {"maxNesting": _MAX_NESTING})
        .enable(["table", "strikethrough"])
        .use(footnote_plugin)
    )


def strip_front_matter(text: str) -> str:
    """The document without a leading YAML front matter block (`---` … `---` or `...`)."""
    match = _FRONT_MATTER.match(text)
    return text[match.end() :] if match else text


def is_wordlike(char: str) -> bool:
    """True for a character that makes a piece of text a word: not space, punctuation or control."""
    if char in _ASCII_PUNCTUATION:
        return False
    return unicodedata.category(char)[0] not in "PZC"


class _Counter:
    """Accumulates visible text piece by piece; a piece ends at whitespace or a hard boundary."""

    def __init__(self) -> None:
        self.words = 0
        self._open = False  # inside a piece
        self._counts = False  # the open piece has a word-like or code character

    def boundary(self) -> None:
        if self._open and self._counts:
            self.words += 1
        self._open = False
        self._counts = False

    def text(self, text: str) -> None:
        """Whitespace ends a piece; text without it at an edge joins the neighbouring piece."""
        if not text:
            return
        if text[0].isspace():
            self.boundary()
        for index, piece in enumerate(text.split()):  # str.split: the same whitespace as isspace
            if index:
                self.boundary()
            self._open = True
            self._counts = self._counts or any(map(is_wordlike, piece))
        if text[-1].isspace():
            self.boundary()

    def code(self, text: str) -> None:
        """Code joins the surrounding piece (`` `x`, ``), and every piece of it counts."""
        for char in text:
            if char in " \t\n\r\f\v":
                self.boundary()
            else:
                self._open = True
                self._counts = True

    def code_block(self, text: str) -> None:
        self.boundary()
        self.words += len(_CODE_PIECE.findall(text))


class _HtmlText(HTMLParser):
    """The text of an HTML block: data between tags; comments, scripts and styles dropped."""

    _HIDDEN = frozenset({"script", "style", "template"})

    def __init__(self, counter: _Counter) -> None:
        super().__init__(convert_charrefs=True)
        self._counter = counter
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._counter.boundary()
        if tag in self._HIDDEN:
            self._hidden_depth += 1

    def handle_endtag(self, tag: str) -> None:
        self._counter.boundary()
        if tag in self._HIDDEN and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self._counter.text(data)


def _inline(counter: _Counter, children: Sequence[Token]) -> None:
    for token in children:
        kind = token.type
        if kind == "text":
            counter.text(token.content)
        elif kind == "code_inline":
            counter.code(token.content)
        elif kind in ("softbreak", "hardbreak", "html_inline"):
            # An inline tag or comment separates what is around it (`a<br>b` is two words).
            counter.boundary()
        elif kind == "image":
            counter.boundary()
            _inline(counter, token.children or [])
            counter.boundary()
        # link_open/close, em/strong/s open/close, footnote_ref: markup only, no text, and no
        # boundary — `[ChatGPT](url)'s` reads as one word.


def _blocks(counter: _Counter, tokens: Iterable[Token]) -> None:
    for token in tokens:
        kind = token.type
        if kind == "inline":
            counter.boundary()
            _inline(counter, token.children or [])
            counter.boundary()
        elif kind in ("fence", "code_block"):
            counter.code_block(token.content)
        elif kind == "html_block":
            counter.boundary()
            parser = _HtmlText(counter)
            parser.feed(token.content)
            parser.close()
            counter.boundary()
        # Everything else (paragraph/heading/list/table/footnote open and close, hr) is structure.


def count_words(markdown: str) -> int:
    """Number of words a reader sees in `markdown` once it is rendered (see the module doc)."""
    body = strip_front_matter(markdown)
    tokens = _parser().parse(body)
    if any(token.level >= _MAX_NESTING - 1 for token in tokens):
        # markdown-it stops reading a container nested past its limit and drops its text;
        # GitHub shows the text at any depth. The containers' markers are not words, so the
        # same document with them removed from every line shows the same words, unnested.
        tokens = _parser().parse(_CONTAINER_MARKER.sub("", body))
    counter = _Counter()
    _blocks(counter, tokens)
    counter.boundary()
    return counter.words
