"""The PDF deliverable, read back with PDFium (the engine Chromium shows PDFs with): pages,
the executive summary first, the same numbers as the HTML, its Chinese font embedded, and no
character printed as an empty box, also on a machine without any CJK font."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pypdfium2
import pytest

from survey.errors import SurveyError
from survey.report import build_context, render_report
from survey.report.deliver import deliver
from survey.report.pdf import write_pdf

#: An A4 page in PostScript points.
A4 = (595.3, 841.9)


def _pages(path) -> list[str]:
    document = pypdfium2.PdfDocument(str(path))
    try:
        for page in document:
            width, height = page.get_size()
            assert (round(width, 1), round(height, 1)) == A4
        # PDFium ends lines with CRLF and gives a hyphen at a line break as U+FFFE.
        return [" ".join(page.get_textpage().get_text_range().replace("\ufffe", "-").split())
                for page in document]
    finally:
        document.close()


@pytest.fixture(scope="module")
def delivered(airline_both, tmp_path_factory):
    out = tmp_path_factory.mktemp("pdf")
    return {lang: deliver(airline_both, out, formats=("html", "pdf"), lang=lang,
                          stem=f"airline_{lang}") for lang in ("zh", "en")}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_pdf_opens_on_the_executive_summary_with_numbered_a4_pages(delivered, airline_both,
                                                                       lang):
    context = build_context(airline_both, lang)
    pages = _pages(delivered[lang].files["pdf"])
    assert len(pages) > 10
    first = pages[0]
    assert context["title"] in first
    assert context["t"]["executive"] in first
    assert context["executive"]["lines"][0].split("（")[0].split(" (")[0] in first
    assert f"{context['target']['value']:.1f}" in first
    # Every page carries "k / N" at its foot, in order.
    for k, text in enumerate(pages, start=1):
        assert f"{k} / {len(pages)}" in text
    # The technical appendix (the run manifest) is the last part, on pages of its own.
    appendix = next(k for k, text in enumerate(pages) if context["t"]["appendix"] in text
                    and context["t"]["manifest"] in text)
    assert appendix > len(pages) // 2
    assert not any(context["t"]["appendix"] in text for text in pages[:appendix - 1]
                   if context["t"]["executive"] not in text)


def test_the_pdf_says_what_the_html_says(delivered):
    """Every headline index and the improve-first wording of the HTML is in the PDF."""
    html = delivered["en"].files["html"].read_text(encoding="utf-8")
    text = " ".join(_pages(delivered["en"].files["pdf"]))
    assert "Executive summary" in html and "Executive summary" in text
    for phrase in ("Improve first", "Perceived quality", "Satisfaction"):
        assert phrase in html and phrase in text


def _fonts_of_chinese(path, page: int = 0) -> set[str]:
    """The fonts PDFium finds the Chinese characters of a page set in."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    document = pypdfium2.PdfDocument(str(path))
    try:
        textpage = document[page].get_textpage()
        text = textpage.get_text_range()
        name, flags = ctypes.create_string_buffer(256), ctypes.c_int()
        fonts = set()
        for k, char in enumerate(text):
            if "\u4e00" <= char <= "\u9fff":
                pdfium_c.FPDFText_GetFontInfo(textpage.raw, k, name, 256, ctypes.byref(flags))
                fonts.add(name.value.decode())
        return fonts
    finally:
        document.close()


def test_the_chinese_font_is_embedded(delivered):
    """Every Chinese character of the summary page is set in an embedded subset (the
    "ABCDEF+" prefix) of Noto Sans CJK SC, the Simplified-Chinese face of the collection."""
    fonts = _fonts_of_chinese(delivered["zh"].files["pdf"])
    assert fonts
    assert all(f.split("+", 1)[1].startswith("Noto-Sans-CJK-SC") and len(f.split("+")[0]) == 6
               for f in fonts), fonts


def test_a_letter_no_font_has_refuses_the_pdf(tmp_path):
    """An Egyptian hieroglyph (a letter, U+13000) has no glyph in any font here: a PDF with
    it would show an empty box where a word was, so none is written."""
    with pytest.raises(SurveyError, match="U\\+13000"):
        write_pdf("<html><body><p>Brand \U00013000 is fine</p></body></html>",
                  tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_a_symbol_no_font_has_is_said_not_hidden(tmp_path):
    """A private-use symbol in a respondent's answer: the PDF is written and says so."""
    path, warnings = write_pdf("<html><body><p>answer: \U0010FFFD</p></body></html>",
                               tmp_path / "x.pdf")
    assert path.exists() and len(warnings) == 1 and "U+10FFFD" in warnings[0]


def test_chinese_without_any_system_cjk_font(airline_pls, tmp_path):
    """The PDF is made where fontconfig knows only DejaVu (no CJK font installed, as on a
    fresh machine): the Chinese is set in the bundled Noto Sans CJK, no glyph is missing."""
    html = render_report(build_context(airline_pls, "zh"))
    (tmp_path / "report.html").write_text(html, encoding="utf-8")
    (tmp_path / "fonts.conf").write_text(textwrap.dedent(f"""\
        <?xml version="1.0"?>
        <!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
        <fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir>
        <cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>
        """), encoding="utf-8")
    script = textwrap.dedent("""\
        import logging, sys
        from pathlib import Path
        import weasyprint
        from survey.report.pdf import write_pdf

        # Without the bundled font, this fontconfig has no glyph for Chinese ...
        seen = []
        handler = logging.Handler()
        handler.emit = lambda record: seen.append(record.getMessage())
        logging.getLogger("weasyprint").addHandler(handler)
        weasyprint.HTML(string="<p>满意度</p>").write_pdf()
        assert any(".notdef" in m for m in seen), seen
        # ... with it, the whole report has every glyph.
        path = Path(sys.argv[1])
        out, warnings = write_pdf(path.read_text(encoding="utf-8"), path.with_suffix(".pdf"))
        print(len(warnings))
        """)
    env = {**os.environ, "FONTCONFIG_FILE": str(tmp_path / "fonts.conf")}
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "report.html")],
                          env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"
    text = " ".join(_pages(tmp_path / "report.pdf"))
    assert "执行摘要" in text and "满意度" in text
    assert all("Noto-Sans-CJK-SC" in f for f in _fonts_of_chinese(tmp_path / "report.pdf"))
