"""问卷星 (Wenjuanxing) response exports: .xls/.xlsx and .csv (GBK/GB18030 or UTF-8).

问卷星 heads its columns with the question: "5.您对机组人员的服务态度满意吗？" (number and
text, "按题目" export), "Q5" (number only, "按序号" export) or, for a matrix question's rows,
"5(服务态度)". Its own columns are 序号, 提交答卷时间, 所用时间, 来源, 来源详情 and 来自IP.
A question the respondent skipped by the survey's logic holds -2 ("跳过"), one that did not
apply -3 ("不适用"): both become missing answers, counted by reason in the ingest report.
Answers must be exported as option numbers ("按选项序号"), the codes of the questionnaire.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from survey.importers import Adapted
from survey.importers.matching import Header, adapt_frame, platform_codes
from survey.questionnaire import Questionnaire

NAME = "wenjuanxing"
LABEL = "问卷星 (Wenjuanxing)"
#: 问卷星's own columns (respondent number, submission time, seconds taken, channel, IP).
METADATA = ("序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP")
#: 问卷星's codes for a question not shown: -2 skipped (jump logic), -3 not applicable.
CODES = {-2: "skipped", -3: "not_applicable"}

_NUMBERED = re.compile(r"^\s*Q?\d+\s*[.．、]\s*(.+)$", re.IGNORECASE)
_MATRIX_ROW = re.compile(r"^\s*Q?\d+\s*[(（](.+)[)）]\s*$", re.IGNORECASE)


def detect(frame: pd.DataFrame) -> bool:
    """At least two of 问卷星's own columns (序号, 提交答卷时间, 所用时间, ...)."""
    names = {str(c).strip() for c in frame.columns}
    return sum(m in names for m in METADATA) >= 2


def texts(header: str) -> tuple[str, ...]:
    """The wording a 问卷星 header carries: the text after the question number, or a matrix
    row's label; none for a bare number ("Q5")."""
    for pattern in (_MATRIX_ROW, _NUMBERED):
        m = pattern.match(header)
        if m:
            return (m.group(1).strip(),)
    return ()


def adapt(frame: pd.DataFrame, questionnaire: Questionnaire, source: str) -> Adapted:
    """The native layout of a 问卷星 export (see the module): columns matched by source,
    id, question text or key (:mod:`survey.importers.matching`), 序号 etc. ignored as
    metadata, -2/-3 and the questionnaire's ``recode:`` rules to recode."""
    first_row = 2  # the header is row 1; ingestion shifts the rows below title rows
    headers = [Header(str(c), k + 1, (str(c),), texts(str(c)), str(c).strip() in METADATA)
               for k, c in enumerate(frame.columns)]
    adapted = adapt_frame(frame, headers, questionnaire, NAME, source,
                          rows=range(first_row, first_row + len(frame)),
                          header_row=1)
    ids = [u.target for u in adapted.columns if u.target]
    return Adapted(NAME, adapted.frame, adapted.rows, adapted.columns,
                   platform_codes(questionnaire, NAME, CODES, ids),
                   (f"Read as a {LABEL} export ({Path(source).name}).",))
