"""``survey export QUESTIONNAIRE --to PLATFORM --out FILE``: the form a survey platform imports."""

from __future__ import annotations

import click

from survey.cli import cli
from survey.fielding import PLATFORMS, form_plan, write_form
from survey.questionnaire import load_questionnaire

_IMPORT_HINT = {
    "xlsform": "upload it to KoboToolbox (Deploy -> Replace form / New project -> Upload an "
               "XLSForm) or ODK Central",
    "limesurvey": "import it in LimeSurvey (Create survey -> Import, .txt)",
    "surveyjs": "load it as the survey JSON in SurveyJS Creator or your SurveyJS form",
}


@cli.command()
@click.argument("questionnaire", type=click.Path(dir_okay=False))
@click.option("--to", "to", required=True, type=click.Choice(sorted(PLATFORMS)),
              help="The platform: XLSForm (KoboToolbox, ODK; .xlsx), LimeSurvey (tab-separated "
                   "survey structure; .txt) or SurveyJS (survey JSON; .json).")
@click.option("--lang", default=None, metavar="CODES",
              help="The languages to write, comma-separated, the form's default first "
                   "(default: every language of the questionnaire).")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="The file to write: .xlsx (xlsform), .txt (limesurvey) or .json "
                   "(surveyjs).")
def export(questionnaire: str, to: str, lang: str | None, out: str) -> None:
    """Write QUESTIONNAIRE as the form a survey platform imports (XLSForm, LimeSurvey or
    SurveyJS): screening as skip logic, don't-know as a choice, every requested language."""
    q = load_questionnaire(questionnaire)
    languages = [x.strip() for x in lang.split(",") if x.strip()] if lang else None
    plan = form_plan(q, languages)
    path = write_form(q, to, out, plan.languages)
    click.echo(f"{path}: {to} form of questionnaire '{q.id}': {len(plan.fields)} questions, "
               f"languages {', '.join(plan.languages)}; {_IMPORT_HINT[to]}.")
