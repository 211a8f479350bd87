"""``survey quality DATA|STUDY``: flag speeders, straight-liners, near-duplicates, failed
attention checks and too many don't-knows (survey.quality); print a table per rule and write
the flags, in the questionnaire's first language or ``--lang`` (the reasons from
survey.quality.REASONS, the table's words and the file's headers from
survey.report.texts.QUALITY_CLI_UI). Nothing is excluded here: ``survey estimate
--exclude-flagged`` does that."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from survey.cli import cli
from survey.cli.options import encoding_option
from survey.errors import Problem, SurveyError
from survey.quality import QualityFlags

#: Flag-file formats by suffix.
OUTPUTS = (".csv", ".xlsx")


@cli.command()
@click.argument("target", type=click.Path(exists=True))
@click.option("--questionnaire", "-q", default=None, type=click.Path(dir_okay=False),
              help="Questionnaire definition (YAML); required for a response file (a STUDY "
                   "uses its current questionnaire).")
@encoding_option
@click.option("--waves", "waves", default=None, metavar="W1,W2,...",
              help="A STUDY's waves to check (default: all).")
@click.option("--output", "-o", "output", default=None, type=click.Path(dir_okay=False),
              help="Write every flag (row, rule, value, reason; wave and brand for a STUDY) "
                   "to this .csv or .xlsx file; text that a spreadsheet would run as a formula "
                   "is neutralised.")
@click.option("--examples", type=click.IntRange(min=0), default=3, show_default=True,
              help="Example rows with their reasons shown per rule.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the reasons, the table and the flag file's headers (default: "
                   "the questionnaire's first language). A STUDY stores the reasons in it.")
def quality(target: str, questionnaire: str | None, encoding: str | None, waves: str | None,
            output: str | None, examples: int, lang: str | None) -> None:
    """Flag speeders, straight-liners, near-duplicates, failed attention checks and too many
    don't-knows in DATA (a response file) or in each wave of STUDY (the flags are stored
    beside the wave's responses); print a table and, with --output, write the flags."""
    from survey.quality import check_quality, reason_language

    console = Console()
    if not console.is_terminal:  # a log or a pipe: room for the reasons
        console.width = 140
    path = Path(target)
    if output is not None and Path(output).suffix.lower() not in OUTPUTS:
        raise SurveyError(Problem(output, f"Unknown flag file type '{Path(output).suffix}'. "
                                          f"Expected one of {list(OUTPUTS)}."))
    tables: list[pd.DataFrame] = []
    if path.is_dir():
        from survey.store.study import Study

        study = Study.open(path)
        q = study.questionnaire() if questionnaire is None else _questionnaire(questionnaire)
        lang = reason_language(q, lang)
        chosen = [w.strip() for w in (waves or "").split(",") if w.strip()] or None
        stored = study.waves()
        if chosen is not None:
            unknown = sorted(set(chosen) - set(stored["wave"]))
            if unknown:
                raise SurveyError(Problem(str(path), f"No wave {unknown[0]!r} in this study. "
                                                     f"Expected one of "
                                                     f"{sorted(set(stored['wave']))}."))
            stored = stored[stored["wave"].isin(chosen)]
        for w in stored.itertuples(index=False):
            data = study.responses([w.wave], [w.brand]).drop(columns=["wave", "brand"])
            flags = check_quality(data, q, source=w.file_name, lang=lang)
            study.save_quality_flags(w.wave, w.brand, flags)
            name = w.wave + (f" / {w.brand}" if w.brand else "")
            show(flags, console, f"{name} ({w.file_name})", examples, lang)
            tables.append(flags_table(flags, data, q).assign(wave=w.wave, brand=w.brand))
        console.print(escape(_t("stored", lang).format(path=path, n=len(stored))),
                      highlight=False)
    else:
        if questionnaire is None:
            raise SurveyError(Problem(str(path), "A response file needs its questionnaire: "
                                                 "give --questionnaire Q.yaml."))
        from survey.ingest import read_responses

        q = _questionnaire(questionnaire)
        lang = reason_language(q, lang)
        responses = read_responses(path, q, encoding=encoding)
        flags = check_quality(responses, q, lang=lang)
        show(flags, console, path.name, examples, lang)
        tables.append(flags_table(flags, responses.data, q))
    if output is not None:
        written = write_flags(pd.concat(tables, ignore_index=True), Path(output), lang)
        console.print(escape(_t("written", lang).format(path=written.resolve())),
                      highlight=False)


def _questionnaire(path: str):
    from survey.questionnaire import load_questionnaire

    return load_questionnaire(path)


def _t(key: str, lang: str) -> str:
    from survey.report.texts import QUALITY_CLI_UI, tr

    return tr(QUALITY_CLI_UI, key, lang)


def show(flags: QualityFlags, console: Console, title: str, examples: int,
         lang: str = "en") -> None:
    """The table of one set of flags in ``lang``: rule, flagged, share, threshold, what the
    rule was based on (or why it could not be applied), and example rows with their
    reasons."""
    from survey.report.texts import QUALITY_RULES, tr

    table = Table(title=escape(_t("title", lang).format(name=title, n=flags.n)),
                  title_justify="left")
    for name, justify in (("rule", "left"), ("flagged", "right"), ("share", "right"),
                          ("threshold", "right"), ("note", "left"), ("examples", "left")):
        table.add_column(_t(name, lang), justify=justify, overflow="fold")
    for r in flags.rules:
        rows = flags.flags[flags.flags["rule"] == r.rule].head(examples)
        shown = "\n".join(f"{int(x.row)}: {x.reason}" for x in rows.itertuples(index=False))
        table.add_row(f"{r.rule}\n{tr(QUALITY_RULES, r.rule, lang)}", str(r.flagged) if r.available else "–",
                      f"{r.flagged / flags.n:.1%}" if r.available and flags.n else "–",
                      "" if r.threshold is None else f"{r.threshold:g}",
                      escape(r.note), escape(shown))
    console.print(table)
    console.print(_t("any_rule", lang).format(n=len(flags.rows())), highlight=False)


def flags_table(flags: QualityFlags, data: pd.DataFrame, q) -> pd.DataFrame:
    """The flags as a table to write: row, the respondent id when the file has one, rule,
    value, reason."""
    from survey.ingest import RESPONDENT_ID

    out = flags.flags.copy()
    id_column = q.respondent_id or (RESPONDENT_ID if RESPONDENT_ID in data.columns else None)
    if id_column is not None and id_column in data.columns:
        out.insert(1, "respondent", data[id_column].reindex(out["row"]).astype(str).to_numpy())
    return out


def write_flags(table: pd.DataFrame, path: Path, lang: str = "en") -> Path:
    """Write the flags as CSV (UTF-8 with BOM, so Excel reads Chinese) or XLSX, the headers
    in ``lang``, every text cell neutralised (survey.exports)."""
    from survey.exports import neutralised

    table = neutralised(table.assign(value=table["value"].map(
        lambda v: v if isinstance(v, (int, float)) else str(v))))
    table = table.rename(columns={c: _t(f"col_{c}", lang) for c in table.columns})
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        table.to_excel(path, index=False, sheet_name="quality_flags")
    else:
        table.to_csv(path, index=False, encoding="utf-8-sig")
    return path
