"""The PDF deliverable: the HTML report paginated by WeasyPrint, its fonts embedded.

A PDF carries its fonts, so the machine that makes it must have them: the Chinese text comes
from Noto Sans CJK (the ``noto-cjk-sans-otc`` package, Google's OpenType collection, version
2.004, the same file as Debian's ``fonts-noto-cjk``), added to WeasyPrint's font configuration
for every PDF. The report's CSS names "Noto Sans CJK SC" first, so Chinese is set in its
Simplified-Chinese face whether or not the system has a CJK font, and Latin text in the
system's sans-serif (DejaVu on Debian).

A character no font can draw would be printed as an empty box. WeasyPrint says so in a warning
(".notdef glyph rendered"): those are collected; a missing letter (a word of the report or of
a respondent) refuses the PDF, a missing symbol (an emoji in a respondent's answer) is returned
to the caller to say. The report is self-contained: WeasyPrint may fetch ``data:`` URLs only,
never a file or the network a respondent's text could name.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from survey.errors import Problem, SurveyError

#: WeasyPrint's message for a character no font has.
_NOTDEF = ".notdef glyph rendered for Unicode string unsupported by fonts"


def cjk_font() -> Path:
    """The Noto Sans CJK collection the PDF's Chinese text is set in."""
    import noto_cjk_sans_otc

    return Path(str(noto_cjk_sans_otc.FONT_PATH))


def _font_configuration():
    """WeasyPrint's font configuration with the CJK collection added: every face of it is
    indexed by fontconfig under its own name (Noto Sans CJK SC, TC, JP ...), as if installed.
    """
    from weasyprint.text.ffi import ffi, fontconfig, pangoft2
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    path = cjk_font()
    if not fontconfig.FcConfigAppFontAddFile(fonts._config, str(path).encode()):
        raise SurveyError(Problem(str(path), "The CJK font of the PDF could not be loaded; "
                                  "reinstall the noto-cjk-sans-otc package."))
    pangoft2.pango_fc_font_map_config_changed(ffi.cast("PangoFcFontMap *", fonts.font_map))
    return fonts


class _Missing(logging.Handler):
    """Collects the characters WeasyPrint had no glyph for."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.chars: set[str] = set()
        self.other: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith(_NOTDEF):
            text = message[len(_NOTDEF):].split('"')
            self.chars |= set(text[1]) if len(text) > 1 else set()
        else:
            self.other.append(message)


@contextmanager
def _collecting() -> Iterator[_Missing]:
    logger = logging.getLogger("weasyprint")
    handler, propagate = _Missing(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _named(chars: set[str]) -> str:
    return ", ".join(f"{c!r} (U+{ord(c):04X} {unicodedata.name(c, '?')})" for c in sorted(chars))


def write_pdf(html: str, path: str | Path) -> tuple[Path, list[str]]:
    """Paginate the report's ``html`` into ``path`` (A4, numbered pages: the print rules of
    report.css). Returns the path and the warnings to show (characters drawn as boxes that
    are not letters). Raises :class:`SurveyError` when a letter has no glyph."""
    import weasyprint

    path = Path(path)
    fonts = _font_configuration()
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    with _collecting() as missing:  # glyphs are looked up as the pages are drawn
        document = weasyprint.HTML(string=html, url_fetcher=fetcher).render(font_config=fonts)
        pdf = document.write_pdf()
    letters = {c for c in missing.chars if unicodedata.category(c).startswith("L")}
    if letters:
        raise SurveyError(Problem(str(path), f"No font has a glyph for {_named(letters)}: the "
                                  "PDF would print them as empty boxes; it was not written."))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf)
    warnings = ([f"No font has a glyph for {_named(missing.chars)}: drawn as empty boxes in "
                 f"{path.name}."] if missing.chars else [])
    return path, warnings
