"""The portrait's PDF through Typst (the ``typst`` wheel: a compiler in a pip package).

Chosen by measurement (``scripts/pdf_engines.py``): on a real 23-page portrait, WeasyPrint spends
about 3.7 s of CPU laying out and painting, Typst compiles the same content in a fraction of
that. One context still feeds both readings: the print HTML rendered from the same templates
(``render_portrait(ctx, for_print=True)``, appendix references included) is turned here into
Typst markup, element by element, and ``static/portrait.typ`` plays the role of the print
stylesheet (page numbers, running header, fonts, headings). The screen HTML is unchanged.

Nothing from the data becomes Typst code: every text is written as a Typst string literal
(``#"…"``, only ``\\`` and ``"`` escaped), links as string arguments, images as files named by
their position. A label (``<annexe-3>``) is written only for the ids of the document itself.
"""

from __future__ import annotations

import base64
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

STYLESHEET = Path(__file__).parent / "static" / "portrait.typ"

IMAGE_TYPES = {"data:image/svg+xml;base64,": "svg", "data:image/png;base64,": "png"}
VOID = {"img", "br", "col", "meta", "hr", "input", "link", "source", "wbr"}
SKIP = {"head", "style", "script", "title", "nav", "details", "template"}
BLOCK = {"p", "div", "section", "main", "ul", "ol", "table", "figure", "h1", "h2", "h3", "h4", "h5",
         "header", "footer", "article", "aside", "nav", "details", "dl", "blockquote", "figcaption"}
_WS = re.compile(r"\s+")
_LABEL = re.compile(r"^[A-Za-z][A-Za-z0-9_\-.:]*$")
_WIDTH = re.compile(r"width:\s*([0-9.]+)\s*(%|cm|mm|rem|em)")
_LONG_WORD = re.compile(r"([^\s]{31,})")
_MAX_HEIGHT = re.compile(r"max-height:\s*([0-9.]+)\s*(mm|cm)")
# pictures floated right (portrait.css, essentiel.html.j2) and their widths in print
FLOATS = {"cover-locator": "6.5cm", "locator": "45mm", "side-map": "62mm"}
_PAD = re.compile(r"padding-left:\s*([0-9.]+)\s*em")


@dataclass
class Node:
    tag: str
    attrs: dict
    children: list = field(default_factory=list)

    def cls(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v or "") for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, {k: (v or "") for k, v in attrs}))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    p = _Parser()
    p.feed(html)
    p.close()
    return p.root


def string(text: str) -> str:
    """A Typst string literal: the only way text from the data enters the source."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _ids(node: Node, acc: set) -> set:
    if node.attrs.get("id"):
        acc.add(node.attrs["id"])
    for c in node.children:
        if isinstance(c, Node):
            _ids(c, acc)
    return acc


def _find(node: Node, pred) -> Node | None:
    for c in node.children:
        if isinstance(c, Node):
            if pred(c):
                return c
            found = _find(c, pred)
            if found is not None:
                return found
    return None


class Converter:
    def __init__(self, root: Node, images_dir: Path):
        self.root = root
        self.ids = {i for i in _ids(root, set()) if _LABEL.match(i)}
        self.images_dir = images_dir
        self.n_images = 0
        running = _find(root, lambda n: n.tag == "header" and "running" in n.cls())
        self.running = _WS.sub(" ", running.text()).strip() if running else ""

    # -- inline --------------------------------------------------------------------------------
    def inline(self, nodes, strip: bool = True) -> str:
        nodes = list(nodes)
        if strip:  # no space at the start or end of a paragraph or cell (HTML collapses them)
            while nodes and isinstance(nodes[0], str) and not nodes[0].strip():
                nodes.pop(0)
            while nodes and isinstance(nodes[-1], str) and not nodes[-1].strip():
                nodes.pop()
            if nodes and isinstance(nodes[0], str):
                nodes[0] = nodes[0].lstrip()
            if nodes and isinstance(nodes[-1], str):
                nodes[-1] = nodes[-1].rstrip()
        return "".join(self._inline(n) for n in nodes)

    def _text(self, s: str) -> str:
        s = _WS.sub(" ", s)
        if not s:
            return ""
        if not _LONG_WORD.search(s):
            return f"#{string(s)}"
        # a word longer than a column (a label without spaces): Typst would let it run off the
        # page, so it may be hyphenated, and broken every 30 characters at worst
        out = []
        for piece in _LONG_WORD.split(s):
            if _LONG_WORD.fullmatch(piece):
                cut = "\u200b".join(piece[i:i + 30] for i in range(0, len(piece), 30))
                out.append(f"#text(hyphenate: true)[#{string(cut)}]")
            elif piece:
                out.append(f"#{string(piece)}")
        return "".join(out)

    def _inline(self, n) -> str:
        if isinstance(n, str):
            return self._text(n)
        tag, cls = n.tag, n.cls()
        if tag in SKIP:
            return ""
        inner = self.inline(n.children, strip=False)
        if tag in ("strong", "b"):
            return f"#strong[{inner}]"
        if tag in ("em", "i"):
            return f"#emph[{inner}]"
        if tag == "sup":
            return f"#super[{inner}]"
        if tag == "sub":
            return f"#sub[{inner}]"
        if tag == "code":
            return f'#text(font: "DejaVu Sans Mono", size: 0.85em)[{inner}]'
        if tag == "br":
            return "#linebreak()"
        if tag == "img":
            return self.image(n)
        if tag == "a":
            return self.link(n, inner)
        if tag == "span":
            if "status" in cls:
                return f"#status[{inner}]"
            if "tag" in cls:
                return f"#tag[{inner}]"
            if "hash" in cls:
                return f"#text(size: 6.3pt, fill: grey)[{inner}]"
            if "small" in cls:
                return f"#small[{inner}]"
            if "nowrap" in cls:
                return f"#box[{inner}]"
        return inner

    def link(self, n: Node, inner: str) -> str:
        href = n.attrs.get("href", "")
        if href.startswith("#"):
            target = href[1:]
            if target not in self.ids:
                return inner
            page = f"#context [, page #counter(page).at(<{target}>).first()]" if target.startswith("annexe-") else ""
            return f"#link(<{target}>)[{inner}]{page}"
        if not href or href.lower().startswith(("javascript:", "data:", "vbscript:")):
            return inner
        return f"#link({string(href)})[{inner}]"

    def image(self, n: Node, width: str = "100%") -> str:
        height = _MAX_HEIGHT.search(n.attrs.get("style", ""))
        if height:  # a chart limited in height keeps its proportions
            width = f"auto, height: {height.group(1)}{height.group(2)}"
        src = n.attrs.get("src", "")
        kind = next((ext for prefix, ext in IMAGE_TYPES.items() if src.startswith(prefix)), None)
        if kind is None:  # only the images the portrait embeds itself (charts and maps)
            return ""
        self.n_images += 1
        name = f"image{self.n_images}.{kind}"
        (self.images_dir / name).write_bytes(base64.b64decode(src.split(",", 1)[1]))
        return f"#image({string(name)}, width: {width}, alt: {string(_WS.sub(' ', n.attrs.get('alt', '')).strip())})"

    # -- blocks --------------------------------------------------------------------------------
    def content(self, n: Node) -> str:
        """A node's children as content: blocks when it holds any, else one run of inline."""
        if any(isinstance(c, Node) and (c.tag in BLOCK or c.tag == "img") for c in n.children):
            return self.blocks(n.children)
        return self.inline(n.children)

    def blocks(self, nodes) -> str:
        out, run = [], []

        def flush():
            text = self.inline(run)
            if text:
                out.append(f"#par[{text}]")
            run.clear()

        nodes = list(nodes)
        i = 0
        while i < len(nodes):
            n = nodes[i]
            if isinstance(n, str) or (n.tag not in BLOCK and n.tag != "img"):
                if not (isinstance(n, Node) and n.tag in SKIP):
                    run.append(n)
                i += 1
                continue
            flush()
            width = FLOATS.get(next(iter(n.cls() & set(FLOATS)), ""))
            if width:  # a picture floated right: it and what follows it, side by side
                j = i + 1
                while j < len(nodes) and not self._clears(nodes[j]):
                    j += 1
                left = self.blocks(nodes[i + 1:j])
                right = self.figure(n) if n.tag == "figure" else self.image(n)
                out.append(f"#grid(columns: (1fr, {width}), gutter: 10pt, [{left}], [{right}])")
                i = j
                continue
            out.append(self.block(n))
            i += 1
        flush()
        return "\n".join(o for o in out if o)

    @staticmethod
    def _clears(n) -> bool:
        """Where the text beside a float stops: an element cleared (class or style), a heading of
        level 2, or one holding such an element."""
        if not isinstance(n, Node):
            return False

        def clears(c: Node) -> bool:
            return ("clear" in c.cls() or "clear: both" in c.attrs.get("style", "")
                    or (c.tag == "h2" and "clear: none" not in c.attrs.get("style", "")))

        return clears(n) or _find(n, clears) is not None

    def block(self, n: Node) -> str:
        tag, cls, style = n.tag, n.cls(), n.attrs.get("style", "")
        if tag in SKIP or (tag == "header" and "running" in cls) or "downloads" in cls or "toc" in cls:
            return ""
        label = f" <{n.attrs['id']}>" if n.attrs.get("id") in self.ids else ""
        if tag in ("h1", "h2", "h3", "h4", "h5"):
            return f"#heading(level: {min(int(tag[1]), 4)})[{self.inline(n.children)}]{label}"
        if tag == "p" and "foot" in cls:  # the handout's sources, at the bottom of their page
            return f"#place(bottom + left)[#foot[{self.inline(n.children)}]]"
        if tag == "p":
            inner = self.inline(n.children)
            if not inner:
                return ""
            for c, fn in (("note", "note"), ("lead", "lead"), ("kicker", "kicker"), ("appendix-ref", "appendixref"),
                          ("small", "small"), ("source", "small")):
                if c in cls:
                    return f"#par[#{fn}[{inner}]]{label}"
            if "commune-list" in cls:
                return f"#par[#text(size: 7.5pt)[{inner}]]"
            return f"#par[{inner}]{label}"
        if tag in ("ul", "ol"):
            return self.list(n)
        if tag == "table":
            return self.table(n)
        if tag == "figure":
            return self.figure(n)
        if tag == "img":
            return f"#block[{self.image(n)}]"
        if tag == "section" and "page" in cls:  # the handout: one section per page
            return self.content(n) + "\n#pagebreak(weak: true)"
        if tag == "div" and "two" in cls:
            cells = [c for c in n.children if isinstance(c, Node)]
            if cells:
                inner = ", ".join(f"[{self.block(c)}]" for c in cells)
                return f"#grid(columns: ({', '.join(['1fr'] * len(cells))},), gutter: 4mm, {inner})"
        body = self.content(n)
        if tag == "section" and cls & {"sources", "appendix"}:
            body = "#pagebreak(weak: true)\n" + body
        if "changes" in cls:
            return f"#changes[{body}]{label}"
        if "keep" in cls or "break-inside: avoid" in style:
            return f"#block(breakable: false, width: 100%)[{body}]{label}"
        if label:
            return f"#block(width: 100%)[{body}]{label}"
        return body

    def list(self, n: Node) -> str:
        items = [c for c in n.children if isinstance(c, Node) and c.tag == "li"]
        if n.cls() & {"key-figures", "kf"}:
            cells = []
            for li in items:
                value = _find(li, lambda c: bool(c.cls() & {"kf-value", "v"}))
                rest = []
                for c in li.children:
                    if isinstance(c, Node) and c.tag == "span" and c is not value:
                        label = bool(c.cls() & {"kf-label", "l"})
                        size = "8.5pt" if label else "7pt"
                        fill = "" if label else ", fill: grey"
                        rest.append(f"#block(above: 0.35em, below: 0pt)[#text(size: {size}{fill})[{self.inline(c.children)}]]")
                v = self.inline(value.children) if value else ""
                cells.append(f"kf([{v}], [{''.join(rest)}])")
            return f"#grid(columns: (1fr, 1fr, 1fr), gutter: 6pt, {', '.join(cells)})"
        body = ", ".join(f"[{self.content(li)}]" for li in items)
        if not body:
            return ""
        fn = "enum" if n.tag == "ol" else "list"
        text = f"#{fn}({body})"
        if "sources-list" in n.cls():
            return f"#text(size: 7.2pt)[#set list(spacing: 0.6em)\n{text}]"
        return text

    def figure(self, n: Node) -> str:
        cls, style = n.cls(), n.attrs.get("style", "")
        width = "80%" if "map-communes" in cls else "100%"
        m = _WIDTH.search(style)
        if m and m.group(2) in ("cm", "mm"):
            width = f"{m.group(1)}{m.group(2)}"
        parts = []
        for c in n.children:
            if isinstance(c, Node) and c.tag == "img":
                parts.append(f"#align(center)[{self.image(c, width)}]")
            elif isinstance(c, Node) and c.tag == "figcaption":
                parts.append(f"#par[#small[{self.inline(c.children)}]]")
            elif isinstance(c, Node):
                parts.append(self.block(c))
        return f"#block(breakable: false, width: 100%)[{chr(10).join(parts)}]"

    def table(self, n: Node) -> str:
        caption = next((c for c in n.children if isinstance(c, Node) and c.tag == "caption"), None)
        widths = []
        for cg in (c for c in n.children if isinstance(c, Node) and c.tag == "colgroup"):
            for col in (c for c in cg.children if isinstance(c, Node) and c.tag == "col"):
                m = _WIDTH.search(col.attrs.get("style", ""))
                widths.append(f"{m.group(1)}%" if m and m.group(2) == "%" else "auto")
        head, body = [], []
        for c in n.children:
            if not isinstance(c, Node):
                continue
            if c.tag == "thead":
                head += [r for r in c.children if isinstance(r, Node) and r.tag == "tr"]
            elif c.tag in ("tbody", "tfoot"):
                body += [r for r in c.children if isinstance(r, Node) and r.tag == "tr"]
            elif c.tag == "tr":
                body.append(c)
        rows = head + body
        if not rows:
            return ""
        ncols = max(sum(int(cell.attrs.get("colspan") or 1) for cell in r.children
                        if isinstance(cell, Node) and cell.tag in ("td", "th")) for r in rows)
        if len(widths) != ncols:
            widths = ["1fr"] + ["auto"] * (ncols - 1) if ncols > 1 else ["1fr"]
            if ncols > 1 and not _first_column_fits(rows, ncols, "compact" in n.cls()):
                widths = ["auto"] * ncols  # Typst shares the width between auto columns, wrapping

        def cells(r: Node) -> list[str]:
            out = []
            for cell in r.children:
                if not isinstance(cell, Node) or cell.tag not in ("td", "th"):
                    continue
                style = cell.attrs.get("style", "")
                align = "right" if "n" in cell.cls() else ("center" if "text-align: center" in style else "left")
                args = [f"align: {align}"]
                for attr in ("colspan", "rowspan"):
                    if int(cell.attrs.get(attr) or 1) > 1:
                        args.append(f"{attr}: {int(cell.attrs[attr])}")
                inner = self.content(cell)
                pad = _PAD.search(style)
                if pad:
                    inner = f"#h({pad.group(1)}em){inner}"
                if cell.tag == "th" and "font-weight:normal" not in style.replace(" ", ""):
                    inner = f"#strong[{inner}]"
                if "small" in cell.cls():
                    inner = f"#small[{inner}]"
                out.append(f"table.cell({', '.join(args)})[{inner}]")
            return out

        header = f"table.header({', '.join(c for r in head for c in cells(r))})," if head else ""
        flat = ", ".join(c for r in body for c in cells(r))
        compact = "true" if "compact" in n.cls() else "false"
        nh = len(head)
        table = (f"#datatable(compact: {compact}, columns: ({', '.join(widths)},), "
                 f"fill: (x, y) => if y < {nh} {{ light }}, {header} {flat})")
        cap = f"#caption[{self.inline(caption.children)}]" if caption is not None else ""
        breakable = "true" if len(rows) > 30 else "false"
        return f"#block(breakable: {breakable}, width: 100%)[{cap}\n{table}]"


TEXT_WIDTH_PT = 510  # the A4 text block of portrait.typ (210 mm less 2 × 15 mm margins)


def _first_column_fits(rows: list[Node], ncols: int, compact: bool) -> bool:
    """Whether the other columns, at their natural width (cells on one line), leave the first one
    room for its longest word. If not, a ``1fr`` first column would get no width at all and its
    text would run over the next column."""
    from .svg import text_width

    size = 7.2 if compact else 8.0
    natural = [0.0] * ncols
    first_word = 0.0
    for r in rows:
        i = 0
        for cell in (c for c in r.children if isinstance(c, Node) and c.tag in ("td", "th")):
            span = int(cell.attrs.get("colspan") or 1)
            text = _WS.sub(" ", cell.text()).strip()
            if span == 1 and i < ncols:
                natural[i] = max(natural[i], text_width(text, size, cell.tag == "th") + 7)
                if i == 0:
                    first_word = max([first_word, *(text_width(w, size, cell.tag == "th") + 7 for w in text.split())])
            i += span
    return sum(natural[1:]) + first_word <= TEXT_WIDTH_PT


def to_typst(html: str, images_dir: Path, kind: str = "portrait") -> str:
    """The Typst source of a print HTML page (``kind``: ``portrait`` or ``essentiel``, the
    stylesheet it uses); its images are written into ``images_dir``."""
    root = parse(html)
    conv = Converter(root, images_dir)
    body_node = _find(root, lambda c: c.tag == "body") or root
    body = conv.blocks(body_node.children)
    return (f'#import "{kind}.typ": *\n'
            f"#show: {kind}.with(running: {string(conv.running)})\n"
            f"{body}\n")


_COUNT = re.compile(rb"/Count (\d+)")


def html_to_pdf(html: str, out: Path, kind: str = "portrait") -> int:
    """Write ``out`` from the print HTML through Typst; returns the number of pages."""
    import typst

    with tempfile.TemporaryDirectory(prefix="typst-") as tmp:
        d = Path(tmp)
        source = to_typst(html, d, kind)
        for sheet in ("portrait.typ", "essentiel.typ"):
            shutil.copy(STYLESHEET.parent / sheet, d / sheet)
        (d / "main.typ").write_text(source, encoding="utf-8")
        pdf = typst.compile(str(d / "main.typ"), root=str(d), font_paths=[])
    out.write_bytes(pdf)
    counts = [int(m) for m in _COUNT.findall(pdf)]
    return max(counts) if counts else 0
