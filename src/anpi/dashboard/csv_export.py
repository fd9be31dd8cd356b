"""CSV files staff download (the audit log; later the pilot reports).

One helper so that every export is safe the same way:

- built with tablib (a well-kept library) rather than by hand;
- **formula injection** (CWE-1236): a cell that starts with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return is prefixed with ``'`` so that Excel or
  LibreOffice shows it as text instead of running it (a nickname such as
  ``=HYPERLINK(…)`` typed in LINE must not become a link in an admin's sheet);
- **UTF-8 with a BOM**: Excel in Japan opens a BOM-less UTF-8 CSV as Shift_JIS
  and garbles every Japanese name (CP932 on request, for older systems);
- ``Cache-Control: no-store`` (the file holds personal data) and a download
  file name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import tablib
from django.http import HttpResponse
from django.utils.cache import patch_cache_control

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_cell(value: Any) -> str:
    """One cell as text; ``None`` is empty; a formula-like start gets a ``'``."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_text(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The CSV text (with BOM) of ``headers`` and ``rows``, every cell made safe."""
    data = tablib.Dataset(headers=[safe_cell(h) for h in headers])
    for row in rows:
        data.append([safe_cell(cell) for cell in row])
    return BOM + data.export("csv")


def csv_bytes(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], encoding: str = "utf-8"
) -> bytes:
    """The file: UTF-8 with BOM (``"utf-8"``) or Shift_JIS/CP932 without BOM
    (``"cp932"``, for old Excel and office systems). Characters CP932 lacks
    (emoji, some rare kanji) become "?" there; UTF-8 keeps everything."""
    text = csv_text(headers, rows)
    if encoding == "cp932":
        return text.removeprefix(BOM).encode("cp932", errors="replace")
    return text.encode("utf-8")


def csv_response(
    filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], encoding: str = "utf-8"
) -> HttpResponse:
    """An attachment response: ``text/csv`` in ``encoding`` (``csv_bytes``),
    never cached."""
    charset = "shift_jis" if encoding == "cp932" else "utf-8"
    response = HttpResponse(
        csv_bytes(headers, rows, encoding), content_type=f"text/csv; charset={charset}"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_cache_control(response, no_store=True, private=True)
    return response
