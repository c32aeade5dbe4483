"""The terms of use as a tree: articles (第N条), paragraphs (N項) and items ((N)), each citable."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources

from knowledge.textfile import TextFileError, decode_text


class TermsParseError(ValueError):
    """Not a terms file: not text, or no article heading (第N条) at all."""


@dataclass(frozen=True)
class Clause:
    """One citable unit (a paragraph's own text or one item) with its citation."""

    article: int
    paragraph: int
    item: int | None
    text: str
    article_title: str

    @property
    def citation(self) -> str:
        """`第12条4項` or `第4条1項(3)`, ASCII digits."""
        return citation_of(self.article, self.paragraph, self.item)


@dataclass(frozen=True)
class Item:
    """A numbered item of a paragraph: （１）…."""

    number: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    """A paragraph (項) of an article: its own text and its items."""

    number: int
    text: str
    items: tuple[Item, ...] = ()

    @property
    def full_text(self) -> str:
        """The paragraph with its items, one per line, as printed: `（１）…`."""
        lines = [self.text] if self.text else []
        lines += [f"（{_printed(i.number)}）{i.text}" for i in self.items]
        return "\n".join(lines)


@dataclass(frozen=True)
class Article:
    """An article (条) of the terms: number, title and paragraphs."""

    number: int
    title: str
    paragraphs: tuple[Paragraph, ...]

    @property
    def citation(self) -> str:
        """`第12条`."""
        return f"第{self.number}条"


@dataclass(frozen=True)
class Terms:
    """The terms of use as parsed: title, articles, and what the parser warned about."""

    title: str
    articles: tuple[Article, ...]
    warnings: tuple[str, ...] = ()

    def article(self, number: int) -> Article | None:
        """The article with that number, or None."""
        return next((a for a in self.articles if a.number == number), None)

    def clauses(self) -> Iterator[Clause]:
        """Every paragraph's own text (when it has any) and every item, in order."""
        for art in self.articles:
            for par in art.paragraphs:
                if par.text:
                    yield Clause(art.number, par.number, None, par.text, art.title)
                for it in par.items:
                    yield Clause(art.number, par.number, it.number, it.text, art.title)

    def clause(self, citation: str) -> Clause | None:
        """The clause a citation names (`第12条1項`, `第4条1項(3)`); a paragraph with items
        is quoted whole. None when the terms have no such clause."""
        parsed = parse_citation(citation)
        if parsed is None:
            return None
        number, par_no, item_no = parsed
        art = self.article(number)
        par = next((p for p in art.paragraphs if p.number == par_no), None) if art else None
        if art is None or par is None:
            return None
        if item_no is None:
            return Clause(art.number, par.number, None, par.full_text, art.title)
        it = next((i for i in par.items if i.number == item_no), None)
        return Clause(art.number, par.number, it.number, it.text, art.title) if it else None


def citation_of(article: int, paragraph: int, item: int | None = None) -> str:
    """The citation string for a clause (knowledge/data/FAQ_SCHEMA.md): `第4条1項(3)`."""
    return f"第{article}条{paragraph}項" + (f"({item})" if item is not None else "")


_CITATION = re.compile(r"第(\d+)条(?:第?(\d+)項)?(?:[(（]?(\d+)[)）]?号?)?")


def parse_citation(citation: str) -> tuple[int, int, int | None] | None:
    """`第4条1項(3)` → (4, 1, 3); `第12条` → (12, 1, None); None when it is not one."""
    m = _CITATION.fullmatch(unicodedata.normalize("NFKC", citation.strip()))
    if not m:
        return None
    return int(m[1]), int(m[2] or 1), int(m[3]) if m[3] else None


# Debris of the Word → text conversion: bookmarks, BOM; stray indents are stripped per line.
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_DIGITS = "[0-9０-９]"
_HEADING = re.compile(  # 第１条\t（目的）; a title without brackets or no title in damaged copies
    rf"^第\s*({_DIGITS}+)\s*条(?![第の])[\s　]*"
    rf"(?:[（(]([^）)]*)[）)]|([^。、（(]{{1,40}}))?[\s　]*$"
)
_PARAGRAPH = re.compile(rf"^({_DIGITS}{{1,2}})[．.](?!{_DIGITS})[\s　]*(.*)$")
_ITEM = re.compile(rf"^[（(]({_DIGITS}{{1,2}})[）)][\s　]*(.*)$")


def _printed(number: int) -> str:
    """An item number as the terms print it: full-width below 10 (（１）), ASCII from 10 on."""
    return str(number).translate(_FULL_WIDTH) if number < 10 else str(number)


_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _int(digits: str) -> int:
    return int(unicodedata.normalize("NFKC", digits))


def _clean_line(line: str) -> str:
    line = _BOOKMARK.sub("", line).replace("\t", " ")
    return line.strip().strip("\ufeff")  # str.strip() also takes the full-width space


def _join(left: str, right: str) -> str:
    """Rejoin a line broken mid-sentence: no space between Japanese characters."""
    if not left:
        return right
    if left[-1].isascii() and left[-1].isalnum() and right[:1].isascii() and right[:1].isalnum():
        return f"{left} {right}"
    return left + right


@dataclass
class _Par:
    """A paragraph while the parser reads it."""

    number: int
    text: str = ""
    items: list[list] = field(default_factory=list)  # [number, text]
    copy_of: _Par | None = None  # a second printing of an earlier paragraph


@dataclass
class _Art:
    """An article while the parser reads it."""

    number: int
    title: str
    pars: list[_Par] = field(default_factory=list)


def _differences(a: str, b: str) -> str:
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    return ", ".join(f"{a[i1:i2]!r}→{b[j1:j2]!r}" for op, i1, i2, j1, j2 in ops if op != "equal")


def parse_terms(text: str) -> Terms:
    """Parse terms text (this project's format) into articles, paragraphs and items."""
    warnings: list[str] = []
    title_lines: list[str] = []
    arts: list[_Art] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n"):
        line = _clean_line(raw)
        if not line:
            continue
        if m := _HEADING.match(line):
            number, title = _int(m[1]), (m[2] or m[3] or "").strip(" 　")
            if arts and number <= arts[-1].number:
                warnings.append(f"第{number}条 follows 第{arts[-1].number}条: out of order")
            if not title:
                warnings.append(f"第{number}条 has no title")
            arts.append(_Art(number, title))
            continue
        if not arts:
            title_lines.append(line)
            continue
        art = arts[-1]
        if m := _PARAGRAPH.match(line):
            number = _int(m[1])
            expected = art.pars[-1].number + 1 if art.pars else 1
            first = next((p for p in art.pars if p.number == number and not p.copy_of), None)
            if first is not None:
                # 第4条6項 is printed twice, 業務提携先等 then 業務委託先等. The first copy is
                # kept: 業務提携先等 is the term 第4条5項 (just above) and 第2条1項(3) define;
                # 業務委託先等 is never defined. Generally the first printing stands.
                art.pars.append(_Par(number, m[2], copy_of=first))
            else:
                if number != expected:
                    warnings.append(f"第{art.number}条: {number}項 where {expected}項 was expected")
                art.pars.append(_Par(number, m[2]))
            continue
        if not art.pars:
            # 第23条 and damaged copies: text before any "１．" is the article's paragraph 1.
            warnings.append(f"第{art.number}条: text without a paragraph number, taken as 1項")
            art.pars.append(_Par(1))
        par = art.pars[-1]
        if m := _ITEM.match(line):
            par.items.append([_int(m[1]), m[2]])
        elif par.items:
            par.items[-1][1] = _join(par.items[-1][1], line)
        else:
            par.text = _join(par.text, line)
    if not arts:
        raise TermsParseError("no article heading such as 第1条（目的） found: not a terms file")
    return Terms(
        title=_title(title_lines),
        articles=tuple(_freeze(a, warnings) for a in arts),
        warnings=tuple(warnings),
    )


def _title(lines: list[str]) -> str:
    title = ""
    for line in lines:
        title = _join(title, line)
    return title


def _freeze(art: _Art, warnings: list[str]) -> Article:
    pars: list[Paragraph] = []
    for p in art.pars:
        if p.copy_of is not None:
            diff = _differences(_full(p.copy_of), _full(p)) or "identical"
            warnings.append(
                f"第{art.number}条{p.number}項 is printed twice ({diff}); kept the first"
            )
            continue
        items = tuple(Item(n, t) for n, t in p.items)
        pars.append(Paragraph(p.number, p.text, items))
    if not pars:
        warnings.append(f"第{art.number}条 has no text")
    return Article(art.number, art.title, tuple(pars))


def _full(p: _Par) -> str:
    return p.text + "".join(t for _, t in p.items)


def read_terms_text(data: bytes) -> str:
    """Decode a terms file: UTF-8 (with or without BOM), else CP932 as Windows writes it.

    Not text, or a line that is not text in the file's encoding → TermsParseError naming it.
    """
    try:
        # The terms are quoted to customers verbatim: a damaged clause is not guessed at.
        return decode_text(data).whole_text()
    except TextFileError as exc:
        raise TermsParseError(str(exc)) from None


def load_default_terms() -> Terms:
    """The terms shipped with the package (knowledge/data/terms_ja.txt)."""
    data = resources.files("knowledge").joinpath("data/terms_ja.txt").read_bytes()
    return parse_terms(read_terms_text(data))
