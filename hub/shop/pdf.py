"""A small PDF writer for text documents (invoices): pages of Helvetica text and rules, nothing
else, so the hub needs no PDF library. PDF 1.4, the standard fonts (every reader has them) in
WinAnsi encoding; a character WinAnsi lacks prints as "?"."""

from __future__ import annotations

from dataclasses import dataclass, field

A4 = (595.0, 842.0)  # points
_FONTS = {"regular": "F1", "bold": "F2"}
# Helvetica's advance widths (per 1000 units of the font size) for what invoices right-align;
# anything else is taken as 556, Helvetica's digit width.
_WIDTHS = {**dict.fromkeys("0123456789", 556), ".": 278, ",": 278, " ": 278, "-": 333, ":": 278, "%": 889,
           "E": 667, "U": 722, "R": 722, "#": 556, "€": 556, "x": 500, "(": 333, ")": 333, "/": 278}


def text_width(text: str, size: float) -> float:
    return sum(_WIDTHS.get(char, 556) for char in text) * size / 1000


def _literal(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


@dataclass
class Page:
    ops: list[bytes] = field(default_factory=list)

    def text(self, x: float, y: float, text: str, size: float = 10, bold: bool = False) -> None:
        font = _FONTS["bold" if bold else "regular"]
        clean = "".join(char if char.isprintable() else " " for char in text)
        self.ops.append(b"BT /%s %.1f Tf %.2f %.2f Td %s Tj ET" % (font.encode(), size, x, y, _literal(clean)))

    def text_right(self, right: float, y: float, text: str, size: float = 10, bold: bool = False) -> None:
        self.text(right - text_width(text, size), y, text, size, bold)

    def rule(self, x1: float, y1: float, x2: float, y2: float, width: float = 0.5) -> None:
        self.ops.append(b"%.2f w %.2f %.2f m %.2f %.2f l S" % (width, x1, y1, x2, y2))


def document(pages: list[Page], title: str, size: tuple[float, float] = A4) -> bytes:
    """The PDF file: catalog, page tree, two fonts, one content stream per page, an info dictionary."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the page numbers are known
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title %s /Producer (ShopDesk) >>" % _literal(title),
    ]
    kids = []
    for page in pages:
        stream = b"\n".join(page.ops)
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.0f %.0f] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>" % (*size, len(objects)))
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
