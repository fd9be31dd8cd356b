"""The report as a PDF that renders Japanese, with real (searchable, copyable)
text: WeasyPrint lays out an HTML template with the same inline SVG charts as
the page, and embeds a subset of Noto Sans CJK JP.

Why WeasyPrint: the report is an HTML page already, so the PDF is one template
and the charts' SVG text stays text; it shapes Japanese with Pango/HarfBuzz and
writes a ToUnicode map that pypdf and pdfminer read. (fpdf2 was tried: with the
CFF-based Noto CJK fonts it writes an embedded encoding CMap that pypdf and
pdfminer cannot decode, so the text was not extractable.) It needs Debian's
Pango (``libpango-1.0-0 libpangoft2-1.0-0``) and ``fonts-noto-cjk``; .ci/run
installs both.

The PDF is in the language of the request (English from the English UI); the
Japanese font is embedded either way, since names and places stay Japanese.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import pgettext

from .context import body_context
from .figures import MonthlyReport

# Where Debian's fonts-noto-cjk puts the font (fc-match finds it elsewhere).
KNOWN_FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
)
FONT_NAME = "Noto Sans CJK JP"


class PdfUnavailable(RuntimeError):
    """The PDF cannot be made on this machine; the message says what to install."""


def japanese_font() -> Path:
    """The Noto Sans CJK font file, or PdfUnavailable naming the package."""
    for candidate in KNOWN_FONT_PATHS:
        if Path(candidate).is_file():
            return Path(candidate)
    if shutil.which("fc-match"):
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", f"{FONT_NAME}:lang=ja"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
        if found and "CJK" in found and Path(found).is_file():
            return Path(found)
    raise PdfUnavailable(
        pgettext("reports", "The Japanese font (%(font)s) is missing: %(install)s")
        % {"font": FONT_NAME, "install": "apt-get install fonts-noto-cjk"}
    )


def render_html(report: MonthlyReport, font: Path) -> str:
    context: dict[str, Any] = {
        **body_context(report),
        "font_url": font.as_uri(),
        "font_name": FONT_NAME,
    }
    return render_to_string("reports/pdf.html", context)


def report_pdf(report: MonthlyReport) -> bytes:
    font = japanese_font()
    try:
        from weasyprint import HTML
    except OSError as exc:  # Pango's shared libraries are missing
        raise PdfUnavailable(
            pgettext("reports", "Making the PDF needs Pango: %(install)s")
            % {"install": "apt-get install libpango-1.0-0 libpangoft2-1.0-0"}
        ) from exc
    html = render_html(report, font)
    pdf = HTML(string=html, base_url=str(font.parent)).write_pdf()
    assert pdf is not None
    return bytes(pdf)
