"""What every rendered page must satisfy: valid HTML, a title, unique ids, labelled fields."""

from __future__ import annotations

from collections import Counter

import html5lib
from html5lib.html5parser import ParseError

XHTML = "http://www.w3.org/1999/xhtml"
NS = {"h": XHTML}
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class PageProblem(AssertionError):
    pass


def check_page(html: str, url: str = "") -> None:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True)
    try:
        tree = parser.parse(html)
    except ParseError as err:
        line = _line_of(parser, html)
        raise PageProblem(f"{url}: invalid HTML ({err}) near: {line}") from err

    title = tree.find(".//h:head/h:title", NS)
    if title is None or not "".join(title.itertext()).strip():
        raise PageProblem(f"{url}: page has no <title>")
    if tree.find(".//h:main", NS) is None:
        raise PageProblem(f"{url}: page has no <main>")

    ids = Counter(el.get("id") for el in tree.iter() if el.get("id"))
    dupes = sorted(i for i, n in ids.items() if n > 1)
    if dupes:
        raise PageProblem(f"{url}: duplicate ids {dupes}")

    labelled = {el.get("for") for el in tree.iter(f"{{{XHTML}}}label") if el.get("for")}
    for tag in ("input", "select", "textarea"):
        for el in tree.iter(f"{{{XHTML}}}{tag}"):
            if tag == "input" and (el.get("type") or "text") in UNLABELLED_TYPES:
                continue
            if el.get("aria-label") or el.get("aria-labelledby"):
                continue
            if not el.get("id") or el.get("id") not in labelled:
                raise PageProblem(
                    f"{url}: <{tag} name={el.get('name')!r} id={el.get('id')!r}> has no label"
                )


def _line_of(parser: html5lib.HTMLParser, html: str) -> str:
    if not parser.errors:
        return "?"
    (line, col), code, _ = parser.errors[0]
    lines = html.splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return f"line {line}: {code}: {text.strip()[:160]}"
