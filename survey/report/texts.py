"""Every fixed text of the report, in each language (zh, en): labels, quality flags, reasons
for a missing measure, reasons why two estimators disagree, and the method notes. One place for
the words; :mod:`survey.report.context` decides which of them a report shows."""

from __future__ import annotations

import re
from collections.abc import Mapping

from survey.analysis.waves import CHANGE_RULE
from survey.assess import CRITERIA
from survey.estimators.compare import ALPHA, INDEX_GAP, PATH_GAP, R2_GAP

#: ``[[name]]`` in a text: the value of the criterion ``name`` of survey.assess.CRITERIA, so
#: that the prose states the thresholds the verdicts were decided by.
_CRITERION = re.compile(r"\[\[(\w+)\]\]")


def criterion(name: str) -> str:
    """A criterion's value as the prose writes it: '3', '0.70', '0.708', '0.05'."""
    value = float(getattr(CRITERIA, name))
    if value.is_integer():
        return str(int(value))
    text = repr(value)
    return text + "0" if len(text.split(".")[1]) < 2 else text


def tr(table: Mapping[str, Mapping[str, str]], key: str, lang: str) -> str:
    """The text of ``key`` in ``lang`` (English when the table has no such language), with
    its criteria filled in."""
    entry = table[key]
    text = entry.get(lang, entry["en"])
    return _CRITERION.sub(lambda m: criterion(m.group(1)), text) if "[[" in text else text


#: How a column of the response file was matched to an item or question, or why it was
#: ignored (survey.importers.ColumnUse.rule), and why an answer code was recoded as missing.
COLUMN_RULES: dict[str, dict[str, str]] = {
    "id": {"zh": "列名即编号", "en": "named by its id"},
    "source": {"zh": "问卷 source: 指定", "en": "the questionnaire's source:"},
    "question text": {"zh": "题目文字相同", "en": "same question text"},
    "key": {"zh": "列名键相同", "en": "same header key"},
    "metadata": {"zh": "平台信息列（未使用）", "en": "platform metadata (not used)"},
    "respondent id": {"zh": "受访者编号", "en": "respondent id"},
    "not in the questionnaire": {"zh": "问卷中没有（未使用）",
                                 "en": "not in the questionnaire (not used)"},
    "no header": {"zh": "无列名（未使用）", "en": "no header (not used)"},
    "replaced by source": {"zh": "由 source: 指定的列取代（未使用）",
                           "en": "replaced by the source: column (not used)"},
    "skipped": {"zh": "跳过（缺失）", "en": "skipped (missing)"},
    "not_applicable": {"zh": "不适用（缺失）", "en": "not applicable (missing)"},
    "dont_know": {"zh": "无法回答", "en": "don't know"},
}

#: Why an answer was rejected (survey.ingest.REJECT_CODES), with the value and the detail.
REJECT_REASONS: dict[str, dict[str, str]] = {
    "not_number": {"zh": "“{value}”不是数字。", "en": "“{value}” is not a number."},
    "out_of_range": {"zh": "“{value}”超出 {detail} 量表范围。",
                     "en": "“{value}” is outside the {detail} scale."},
    "not_a_point": {"zh": "“{value}”不是 {detail} 量表上的整数分值。",
                    "en": "“{value}” is not a point of the {detail} scale."},
    "not_option": {"zh": "“{value}”不是可选答案（{detail}）之一。",
                   "en": "“{value}” is not one of the options ({detail})."},
    "not_whole_number": {"zh": "“{value}”不是 {detail} 范围内的整数。",
                         "en": "“{value}” is not a whole number in {detail}."},
    "not_number_in": {"zh": "“{value}”不是 {detail} 范围内的数字。",
                      "en": "“{value}” is not a number in {detail}."},
    "not_date": {"zh": "“{value}”不是日期（如 2026-09-30）。",
                 "en": "“{value}” is not a date (such as 2026-09-30)."},
    "truncated": {"zh": "文件在这一行中途结束（只有 {detail} 个字段）：文件似乎被截断了。",
                  "en": "The file ends inside this row ({detail} fields): it looks truncated."},
    "duplicate": {"zh": "与第 {detail} 行完全相同（重复记录）。",
                  "en": "Repeats row {detail} cell for cell (a duplicate)."},
    "duplicate_id": {"zh": "受访者编号“{value}”已在第 {detail} 行使用，且答案不同。",
                     "en": "Respondent id “{value}” is already used in row {detail}, with other "
                           "answers."},
    "screening_missing": {"zh": "甄别题未作答，且没有回答任何题目。",
                          "en": "The screening answer is blank and no item is answered."},
}


#: Punctuation and the small phrases that join other texts, in each language: the only
#: place where the report's code meets a language's typography.
GRAMMAR: dict[str, dict[str, str]] = {
    "paren": {"zh": "{text}（{aside}）", "en": "{text} ({aside})"},
    "list_sep": {"zh": "、", "en": ", "},
    "clause_sep": {"zh": "；", "en": "; "},
    "labelled": {"zh": "{label}：{text}", "en": "{label}: {text}"},
    "sentence_gap": {"zh": "", "en": " "},
    "sentence_end": {"zh": "。", "en": ". "},
    "ci_label": {"zh": "{level} 置信区间（{name}）", "en": "{level} CI ({name})"},
    "error_bars": {"zh": "误差线：{what}", "en": "error bars: {what}"},
    "failed_of": {"zh": "{failed}/{total}：{shown}", "en": "{failed} of {total}: {shown}"},
    "all_pass": {"zh": "全部满足", "en": "all pass"},
    "stage_iterations": {"zh": "第{stage}阶段 {n} 次迭代", "en": "stage {stage}: {n} iterations"},
    "stage1": {"zh": "一", "en": "one"},
    "stage2": {"zh": "二", "en": "two"},
}


def grammar(key: str, lang: str, **fields: object) -> str:
    """The phrase ``key`` of :data:`GRAMMAR` in ``lang`` with ``fields`` filled in."""
    return tr(GRAMMAR, key, lang).format(**fields)


def paren(text: str, aside: str, lang: str) -> str:
    """``text (aside)``, with full-width parentheses in Chinese."""
    return grammar("paren", lang, text=text, aside=aside)


def join(names, lang: str) -> str:
    """A list of names: "a、b、c" in Chinese, "a, b, c" in English."""
    return tr(GRAMMAR, "list_sep", lang).join(names)


def labelled(label: str, text: str, lang: str) -> str:
    """``label: text``, with a full-width colon in Chinese."""
    return grammar("labelled", lang, label=label, text=text)


def ci_label(level: str, name: str, lang: str) -> str:
    """'95% CI (percentile bootstrap)'."""
    return grammar("ci_label", lang, level=level, name=name)

#: Every fixed text of the report, in each language.
UI: dict[str, dict[str, str]] = {
    "report": {"zh": "满意度测评报告", "en": "Satisfaction report"},
    "summary": {"zh": "研究概况", "en": "Study summary"},
    "model": {"zh": "模型", "en": "Model"},
    "method": {"zh": "估计方法", "en": "Estimator"},
    "headline_of": {"zh": "主结果", "en": "headline"},
    "comparison_of": {"zh": "对照", "en": "comparison"},
    "rows": {"zh": "文件中的记录", "en": "Rows in the file"},
    "accepted": {"zh": "有效样本", "en": "Accepted respondents"},
    "rejected": {"zh": "被拒记录（数据错误）", "en": "Rejected rows (invalid answers)"},
    "screened": {"zh": "甄别淘汰", "en": "Screened out"},
    "used": {"zh": "参与估计", "en": "Used in estimation"},
    "missing_how": {"zh": "缺失值处理", "en": "Missing answers"},
    "inference": {"zh": "统计推断", "en": "Inference"},
    "incomplete": {"zh": "{n} 人有缺失回答", "en": "{n} respondents with a missing answer"},
    "intervals_are": {"zh": "区间估计：", "en": "Intervals: "},
    "stop": {"zh": "。", "en": "."},
    "loading_note": {"zh": "标准化载荷应 ≥ [[loading_min]]（潜变量解释该指标一半以上的方差）；外部 VIF 应 < [[vif_warn]]。",
                     "en": "Standardized loadings should be at least [[loading_min]] (the construct explains "
                           "half of the item's variance); outer VIF below [[vif_warn]]."},
    "htmt_matrix_note": {"zh": "对角线以下为 HTMT，括号内为 bootstrap 置信区间上限；对角线以上为 HTMT2。",
                         "en": "HTMT below the diagonal, with the upper bound of its bootstrap "
                               "interval in parentheses; HTMT2 above the diagonal."},
    "htmt_matrix_note_plain": {"zh": "对角线以下为 HTMT；对角线以上为 HTMT2。",
                               "en": "HTMT below the diagonal; HTMT2 above the diagonal."},
    "key_figures": {"zh": "核心指标", "en": "Key figures"},
    "of_100": {"zh": "满分 100", "en": "out of 100"},
    "explained": {"zh": "解释方差", "en": "explained variance"},
    "respondents": {"zh": "受访者", "en": "respondents"},
    "resamples": {"zh": "次 bootstrap 重抽样", "en": "bootstrap resamples"},
    "no_bootstrap": {"zh": "未做 bootstrap", "en": "no bootstrap"},
    "scorecard": {"zh": "满意度指数（0-100）", "en": "Index scorecard (0-100)"},
    "latent": {"zh": "潜变量", "en": "Latent"},
    "construct": {"zh": "潜变量", "en": "Construct"},
    "index": {"zh": "指数", "en": "Index"},
    "index_ci": {"zh": "指数 [95% 置信区间]", "en": "Index [95% CI]"},
    "valid": {"zh": "有效", "en": "Valid"},
    "invalid": {"zh": "无效（权重为负）", "en": "Invalid (negative weight)"},
    "weights": {"zh": "指标权重", "en": "Item weights"},
    "diagram": {"zh": "路径图", "en": "Path diagram"},
    "diagram_note": {"zh": "箭头上为标准化路径系数（* p < [[alpha]]；虚线：不显著）；方框内为指数和 R²。",
                     "en": "Arrows show standardized path coefficients (* p < [[alpha]]; dashed: not "
                           "significant); boxes show the index and R²."},
    "diagram_note_untested": {"zh": "箭头上为标准化路径系数（未做显著性检验：需 bootstrap）；方框内为指数和 R²。",
                              "en": "Arrows show standardized path coefficients (significance not "
                                    "tested: no bootstrap); boxes show the index and R²."},
    "paths": {"zh": "结构模型", "en": "Structural model"},
    "path_coefficients": {"zh": "路径系数", "en": "Path coefficients"},
    "from": {"zh": "原因", "en": "From"},
    "to": {"zh": "结果", "en": "To"},
    "estimate": {"zh": "估计值", "en": "Estimate"},
    "unstd": {"zh": "非标准化", "en": "Unstandardized"},
    "beta": {"zh": "标准化系数 β", "en": "Standardized β"},
    "std": {"zh": "标准化", "en": "Standardized"},
    "se": {"zh": "标准误", "en": "SE"},
    "ci": {"zh": "95% 置信区间", "en": "95% CI"},
    "p": {"zh": "p 值", "en": "p"},
    "f2": {"zh": "效应量 f²", "en": "Effect size f²"},
    "inner_vif": {"zh": "内部 VIF", "en": "Inner VIF"},
    "outer_vif": {"zh": "外部 VIF", "en": "Outer VIF"},
    "vif": {"zh": "VIF", "en": "VIF"},
    "r2": {"zh": "解释方差 R²", "en": "Explained variance R²"},
    "r2_short": {"zh": "R²", "en": "R²"},
    "adj_r2": {"zh": "调整 R²", "en": "Adjusted R²"},
    "effects": {"zh": "总效应（标准化）", "en": "Total effects (standardized)"},
    "direct": {"zh": "直接", "en": "Direct"},
    "indirect": {"zh": "间接", "en": "Indirect"},
    "total": {"zh": "总计", "en": "Total"},
    "small": {"zh": "小", "en": "small"},
    "medium": {"zh": "中", "en": "medium"},
    "large": {"zh": "大", "en": "large"},
    "negligible": {"zh": "可忽略", "en": "negligible"},
    "fit": {"zh": "模型拟合与可接受性", "en": "Model fit and admissibility"},
    "measure": {"zh": "指标", "en": "Measure"},
    "value": {"zh": "数值", "en": "Value"},
    "cutoff": {"zh": "参考标准", "en": "Cut-off"},
    "verdict": {"zh": "判断", "en": "Verdict"},
    "good": {"zh": "良好", "en": "good"},
    "acceptable": {"zh": "可接受", "en": "acceptable"},
    "poor": {"zh": "较差", "en": "poor"},
    "admissible": {"zh": "解可接受", "en": "The solution is admissible"},
    "inadmissible": {"zh": "解不可接受：以下结果不可用于决策",
                     "en": "The solution is inadmissible: do not base decisions on it"},
    "inadmissible_of": {"zh": "{name} 的解不可接受（inadmissible）：不要依据其数值做决策",
                        "en": "The {name} solution is inadmissible: do not base decisions on its "
                              "numbers"},
    "headline_unaffected": {"zh": "主结果（{name}）不受影响。",
                            "en": "The headline results ({name}) are not affected."},
    "converged": {"zh": "已收敛", "en": "converged"},
    "not_converged": {"zh": "未收敛", "en": "did not converge"},
    "iterations": {"zh": "迭代 {n} 次后收敛", "en": "converged after {n} iterations"},
    "warnings": {"zh": "提示", "en": "Warnings"},
    "measurement": {"zh": "测量模型质量", "en": "Measurement quality"},
    "measurement_of": {"zh": "以下为 {name} 估计的测量模型评估。",
                       "en": "Assessment of the measurement model of the {name} estimate."},
    "checklist": {"zh": "评估要点", "en": "At a glance"},
    "criterion": {"zh": "准则", "en": "Criterion"},
    "result": {"zh": "结果", "en": "Result"},
    "item": {"zh": "指标", "en": "Item"},
    "loading": {"zh": "载荷", "en": "Loading"},
    "loadings": {"zh": "指标载荷（反映性）", "en": "Indicator loadings (reflective)"},
    "formative": {"zh": "形成性指标权重（模式 B）", "en": "Formative indicator weights (mode B)"},
    "weight": {"zh": "外部权重", "en": "Outer weight"},
    "reliability": {"zh": "信度与收敛效度", "en": "Reliability and convergent validity"},
    "alpha": {"zh": "Cronbach α", "en": "Cronbach's α"},
    "rho_a": {"zh": "ρA", "en": "ρA"},
    "rho_c": {"zh": "组合信度 ρC", "en": "Composite reliability ρC"},
    "omega": {"zh": "模型信度 ω", "en": "Model-implied ω"},
    "ave": {"zh": "平均提取方差 AVE", "en": "AVE"},
    "fornell_larcker": {"zh": "Fornell-Larcker 准则", "en": "Fornell-Larcker criterion"},
    "fornell_larcker_note": {"zh": "对角线为 √AVE，其下为潜变量相关系数；每个相关系数应小于所在行与列的 √AVE。",
                             "en": "√AVE on the diagonal, latent correlations below it; each "
                                   "correlation should be smaller than the √AVE of its row and "
                                   "column."},
    "htmt": {"zh": "HTMT 区分效度", "en": "HTMT discriminant validity"},
    "htmt_note": {"zh": "HTMT 应 < [[htmt_strict]]（概念上明显不同的潜变量）或 < [[htmt_liberal]]（概念相近的潜变量）；HTMT2 为几何平均版本（Roemer 等 2021）。",
                  "en": "HTMT should be below [[htmt_strict]] (conceptually distinct constructs) or [[htmt_liberal]] "
                        "(similar constructs); HTMT2 is the geometric-mean version (Roemer et "
                        "al. 2021)."},
    "pair": {"zh": "潜变量对", "en": "Pair"},
    "htmt_upper": {"zh": "bootstrap 95% 置信区间上限", "en": "Upper bound of 95% bootstrap CI"},
    "cross_loadings": {"zh": "交叉载荷", "en": "Cross-loadings"},
    "cross_loadings_note": {"zh": "粗体为指标在本潜变量上的载荷；每个指标在本潜变量上的载荷应最高。灰色：所属高阶潜变量（不比较）。",
                            "en": "Bold: the item's loading on its own construct, which should be "
                                  "its highest. Grey: the higher-order construct it belongs to "
                                  "(not compared)."},
    "collinearity": {"zh": "共线性（VIF）", "en": "Collinearity (VIF)"},
    "collinearity_note": {"zh": "VIF < [[vif_warn]] 为理想；[[vif_warn]] 至 [[vif_max]] 之间需关注；≥ [[vif_max]] 为严重共线性。",
                          "en": "VIF below [[vif_warn]] is the rule; [[vif_warn]] to [[vif_max]] deserves attention; "
                                "[[vif_max]] or more "
                                "is critical collinearity."},
    "highest": {"zh": "最大值", "en": "Highest"},
    "all_below": {"zh": "全部低于 3", "en": "all below 3"},
    "na_footnote": {"zh": "“–”：", "en": "“–”: "},
    "quality": {"zh": "数据质量", "en": "Data quality"},
    "dont_know": {"zh": "“无法回答”比例", "en": "Don't-know rate"},
    "blank": {"zh": "空白比例", "en": "Blank rate"},
    "rejects": {"zh": "被拒记录明细", "en": "Rejected answers"},
    "columns_read": {"zh": "文件各列的用途", "en": "The file's columns"},
    "columns_summary": {"zh": "读作 {platform} 导出文件：{used} 列已使用，{ignored} 列未使用，问卷中 {missing} 项在文件中没有对应列。",
                        "en": "Read as a {platform} export: {used} columns used, {ignored} "
                              "ignored, {missing} of the questionnaire's ids have no column."},
    "columns_summary_native": {"zh": "按问卷本身的格式读取：{used} 列已使用，{ignored} 列未使用，问卷中 {missing} 项在文件中没有对应列。",
                               "en": "Read in the questionnaire's own layout: {used} columns "
                                     "used, {ignored} ignored, {missing} of the "
                                     "questionnaire's ids have no column."},
    "read_as": {"zh": "读作", "en": "Read as"},
    "rule": {"zh": "依据", "en": "How"},
    "missing_columns": {"zh": "文件中缺少的列", "en": "Not in the file"},
    "recoded": {"zh": "重编码的答案", "en": "Recoded answers"},
    "recoded_cells": {"zh": "个数", "en": "Cells"},
    "row": {"zh": "行", "en": "Row"},
    "column": {"zh": "列", "en": "Column"},
    "reason": {"zh": "原因", "en": "Reason"},
    "more_rejects": {"zh": "另有 {n} 条未列出（见 JSON / 拒绝记录文件）。",
                     "en": "{n} more not shown (see the ingest report)."},
    "comparison": {"zh": "PLS 与 CB-SEM 对照", "en": "PLS and CB-SEM side by side"},
    "comparison_intro": {"zh": "同一模型用两种方法估计。标红的行两种方法结论不一致，原因见“差异”一列。",
                         "en": "The same model estimated both ways. Rows in red disagree; the "
                               "Differences column says how."},
    "difference": {"zh": "差值", "en": "Difference"},
    "differences": {"zh": "差异", "en": "Differences"},
    "agree": {"zh": "一致", "en": "agree"},
    "flagged_rows": {"zh": "{n} 行存在差异", "en": "{n} rows disagree"},
    "no_flagged_rows": {"zh": "两种方法结论一致", "en": "The two estimators agree"},
    "std_paths": {"zh": "标准化路径系数", "en": "Standardized paths"},
    "indices_short": {"zh": "0-100 指数", "en": "0-100 indices"},
    "notes": {"zh": "方法说明", "en": "Method notes"},
    "index_notes": {"zh": "0-100 指数", "en": "0-100 indices"},
    "manifest": {"zh": "运行记录", "en": "Run manifest"},
    "appendix": {"zh": "技术附录", "en": "Technical appendix"},
    "colon": {"zh": "：", "en": ": "},
    "clause_sep": GRAMMAR["clause_sep"],
    "list_sep": GRAMMAR["list_sep"],
    "paren_open": {"zh": "（", "en": "("},
    "paren_close": {"zh": "）", "en": ")"},
    "html_lang": {"zh": "zh-CN", "en": "en"},
    "executive": {"zh": "执行摘要", "en": "Executive summary"},
    "exec_index": {"zh": "{target}指数为 {value} 分（满分 100）", "en": "The {target} index is {value} out of 100"},
    "exec_interval": {"zh": "，95% 置信区间 {low}–{high}。", "en": " (95% interval {low}–{high})."},
    "exec_act": {"zh": "优先改进：{names}。", "en": "Improve first: {names}."},
    "exec_act_none": {"zh": "没有驱动因素同时满足“重要性高、表现低”：保持现有表现，关注潜在提升最大的指标。",
                      "en": "No driver is both important and weak: keep up the current "
                            "performance and watch the items with the largest potential gain."},
    "exec_items": {"zh": "其中提升{target}潜力最大的具体指标：{items}。",
                   "en": "Within them, the items with the largest potential gain for {target}: "
                         "{items}."},
    "exec_items_all": {"zh": "提升{target}潜力最大的具体指标：{items}。",
                       "en": "The items that would raise {target} the most: {items}."},
    "exec_gain": {"zh": "最多 +{gain} 分", "en": "up to +{gain} points"},
    "exec_no_inference": {"zh": "bootstrap 可用样本太少：本报告不给出显著性与置信区间。",
                          "en": "Too few usable bootstrap resamples: this report gives no "
                                "significance or intervals."},
    "exec_caveats": {"zh": "需要注意", "en": "Caveats"},
    "card_first": {"zh": "优先改进", "en": "Improve first"},
    "card_first_note": {"zh": "重要性高、表现偏低", "en": "important, but below average"},
    "card_first_none": {"zh": "没有重要性高而表现偏低的方面", "en": "nothing both important and weak"},
    "card_item": {"zh": "提升潜力最大的指标", "en": "Item with the most to gain"},
    "card_customers": {"zh": "受访客户", "en": "Customers surveyed"},
    "card_customers_note": {"zh": "有效问卷", "en": "valid questionnaires"},
    "exec_no_caveat": {"zh": "无重大注意事项：解可接受，样本量足够。",
                       "en": "No major caveat: the solution is admissible and the sample large "
                             "enough."},
    "appendix_note": {"zh": "复现本报告所需的一切：软件与依赖库的版本、所有设置、随机种子，以及问卷、模型和数据文件的路径与 SHA-256。",
                      "en": "What reproduces this report: software and library versions, every "
                            "setting, the seed, and the paths and SHA-256 digests of the "
                            "questionnaire, model and data files."},
    "none": {"zh": "无", "en": "none"},
    "dimension": {"zh": "（维度）", "en": " (dimension)"},
    "not_available": {"zh": "该估计方法未提供此项。", "en": "Not available for this estimator."},
    "ns": {"zh": "不显著", "en": "n.s."},
    # A measurement model (CFA) and the CB-SEM parameters beyond paths and loadings.
    "latent_correlations": {"zh": "潜变量相关", "en": "Latent correlations"},
    "cfa_note": {"zh": "本模型为测量模型（验证性因子分析）：潜变量之间没有路径，彼此自由相关。下表为 {name} 估计的潜变量相关系数。",
                 "en": "This is a measurement model (confirmatory factor analysis): no paths "
                       "between the latents, which covary freely. The table shows the latent "
                       "correlations of the {name} estimate."},
    "covariances": {"zh": "协方差", "en": "Covariances"},
    "covariance_kind_item": {"zh": "指标残差", "en": "item residuals"},
    "covariance_kind_construct": {"zh": "潜变量", "en": "constructs"},
    "covariance_kind": {"zh": "对象", "en": "Between"},
    "covariance_std": {"zh": "相关（标准化）", "en": "Correlation (standardized)"},
    "fixed": {"zh": "固定", "en": "fixed"},
    "covariances_note": {"zh": "潜变量之间的协方差（内生潜变量为其扰动项的协方差）与模型设定的指标残差协方差；标准化值为（残差）相关系数，与 lavaan 的 std.all 相同。",
                         "en": "Covariances of constructs (of their disturbances for endogenous "
                               "ones) and the item residual covariances the model frees; the "
                               "standardized value is the (residual) correlation, lavaan's "
                               "std.all."},
    "constraints": {"zh": "固定参数与等值约束", "en": "Fixed parameters and equality constraints"},
    "constraint_fixed": {"zh": "固定为 {value}：{parameter}", "en": "Fixed at {value}: {parameter}"},
    "constraint_equal": {"zh": "估计为同一个参数：{parameters}",
                         "en": "Estimated as one parameter: {parameters}"},
}

#: Every quality flag, in each language: code -> text.
FLAGS: dict[str, dict[str, str]] = {
    "loading": {"zh": "标准化载荷 < [[loading_min]]", "en": "standardized loading < [[loading_min]]"},
    "alpha": {"zh": "Cronbach α < [[reliability_min]]", "en": "Cronbach's α < [[reliability_min]]"},
    "rho_a": {"zh": "ρA < [[reliability_min]]", "en": "ρA < [[reliability_min]]"},
    "rho_c": {"zh": "ρC < [[reliability_min]]", "en": "ρC < [[reliability_min]]"},
    "omega": {"zh": "ω < [[reliability_min]]", "en": "ω < [[reliability_min]]"},
    "above_one": {"zh": "大于 1：不是信度（误差方差为负）",
                  "en": "Above 1: not a reliability (a negative error variance)"},
    "ave": {"zh": "AVE < [[ave_min]]：收敛效度不足", "en": "AVE < [[ave_min]]: convergent validity not established"},
    "fornell_larcker": {"zh": "潜变量相关系数大于 √AVE：不满足 Fornell-Larcker 准则",
                        "en": "latent correlation above √AVE: Fornell-Larcker criterion violated"},
    "htmt_85": {"zh": "HTMT ≥ [[htmt_strict]]：未达严格标准", "en": "HTMT ≥ [[htmt_strict]]: fails the conservative threshold"},
    "htmt_90": {"zh": "HTMT ≥ [[htmt_liberal]]：区分效度不足", "en": "HTMT ≥ [[htmt_liberal]]: discriminant validity not established"},
    "htmt2_85": {"zh": "HTMT2 ≥ [[htmt_strict]]：未达严格标准", "en": "HTMT2 ≥ [[htmt_strict]]: fails the conservative threshold"},
    "htmt2_90": {"zh": "HTMT2 ≥ [[htmt_liberal]]：区分效度不足", "en": "HTMT2 ≥ [[htmt_liberal]]: discriminant validity not established"},
    "htmt_upper": {"zh": "置信区间上限 ≥ [[htmt_liberal]]：HTMT 未显著低于 [[htmt_liberal]]",
                   "en": "upper CI bound ≥ [[htmt_liberal]]: HTMT is not significantly below [[htmt_liberal]]"},
    "cross_loading": {"zh": "该指标在其他潜变量上的载荷高于本潜变量",
                      "en": "the item loads higher on another construct than on its own"},
    "vif_3": {"zh": "VIF ≥ [[vif_warn]]：可能存在共线性", "en": "VIF ≥ [[vif_warn]]: possible collinearity"},
    "vif_5": {"zh": "VIF ≥ [[vif_max]]：严重共线性", "en": "VIF ≥ [[vif_max]]: critical collinearity"},
    "weight_ns": {"zh": "权重不显著且载荷 < [[formative_loading_min]]：考虑删除该指标",
                  "en": "weight not significant and loading < [[formative_loading_min]]: consider removing the item"},
    "not_significant": {"zh": "不显著（p ≥ [[alpha]]）", "en": "not significant (p ≥ [[alpha]])"},
    "index_invalid": {"zh": "指数无效：换算后的指标权重为负",
                      "en": "index invalid: a rescaled item weight is negative"},
}

#: Why a measure is not shown ("–"), in each language.
NA_REASONS: dict[str, dict[str, str]] = {
    "single": {"zh": "单指标潜变量：信度与 AVE 不适用。",
               "en": "single-item construct: reliability and AVE do not apply."},
    "formative": {"zh": "形成性（模式 B）潜变量：反映性测量的信度与效度标准不适用（Hair 等 2017，第 5 章）。",
                  "en": "formative (mode B) construct: the reliability and validity criteria of "
                        "reflective measurement do not apply (Hair et al. 2017, ch. 5)."},
    "hoc_rho_a": {"zh": "高阶潜变量（重复指标法）：ρA 需要第二阶段权重，未计算。",
                  "en": "higher-order construct (repeated indicators): ρA needs stage-two "
                        "weights and is not computed."},
    "cbsem_rho_a": {"zh": "ρA 是 PLS 复合变量的信度指标，CB-SEM 不计算。",
                    "en": "ρA is a reliability measure of PLS composites: not computed for "
                          "CB-SEM."},
    "higher_order": {"zh": "高阶潜变量：该指标未按其维度计算。",
                     "en": "higher-order construct: not computed from its dimensions."},
    "hoc_pair": {"zh": "高阶潜变量与其自身维度：按定义高度相关，不做区分效度检验（Sarstedt 等 2019）。",
                 "en": "a higher-order construct and its own dimension: highly correlated by "
                       "design, not assessed for discriminant validity (Sarstedt et al. 2019)."},
    "not_computed": {"zh": "未计算。", "en": "not computed."},
}

#: Plain-language reasons why PLS and CB-SEM disagree on a row of the comparison.
REASONS: dict[str, dict[str, str]] = {
    "sign": {"zh": "方向相反", "en": "opposite sign"},
    "significance": {"zh": "显著性不同", "en": "significance differs"},
    "size": {"zh": "差距大", "en": "large gap"},
}
REASON_TEXT: dict[str, dict[str, str]] = {
    "sign": {"zh": "两种方法估计的影响方向相反（一正一负）：该路径的方向无法确定。",
             "en": "The two estimators give the effect opposite signs: its direction is not "
                   "settled."},
    "significance": {"zh": f"该路径只在一种方法下显著（p < {ALPHA:g}）：其存在与否取决于估计方法。",
                     "en": f"The path is significant (p < {ALPHA:g}) under one estimator only: "
                           "whether it exists depends on the method."},
    "size_path": {"zh": f"标准化路径系数相差 {PATH_GAP:.2f} 或更多。",
                  "en": f"The standardized paths differ by {PATH_GAP:.2f} or more."},
    "size_index": {"zh": f"指数相差 {INDEX_GAP:.1f} 分或更多。",
                   "en": f"The indices differ by {INDEX_GAP:.1f} points or more."},
    "size_r2": {"zh": f"R² 相差 {R2_GAP:.2f} 或更多：足以使其落入另一档（弱 0.25／中 0.50／强 0.75）。"
                      "PLS 的复合变量含测量误差，两种方法的 R² 应各按其方法解读。",
                "en": f"The R² differ by {R2_GAP:.2f} or more: enough to put it in another band "
                      "(weak 0.25 / moderate 0.50 / substantial 0.75). PLS composites carry "
                      "measurement error; read each R² under its own method."},
}

NOTES: dict[str, dict[str, str]] = {
    "p_value_student_t": {"zh": "双侧检验，自由度 {df} 的 Student t 分布",
                          "en": "two-sided, Student t with {df} df"},
    "cbsem_estimator": {
        "zh": "协方差结构方程模型（CB-SEM），最大似然估计（semopy；收敛容差 1e-12），标记指标载荷固定为 1。",
        "en": "Covariance-based SEM (CB-SEM), maximum likelihood (semopy; tolerance 1e-12), "
              "marker-indicator loadings fixed to 1.",
    },
    "fiml": {
        "zh": "缺失与“无法回答”按完全信息最大似然（FIML）处理：保留所有受访者（{n_incomplete} 人有缺失），均值与模型参数联合估计，标准误来自观测信息矩阵（与 lavaan missing = \"ml\" 一致）。",
        "en": "Missing and don't-know answers are handled by full-information ML (FIML): every "
              "respondent is kept ({n_incomplete} with a missing answer), means are estimated "
              "jointly, standard errors come from the observed information (as lavaan's "
              "missing = \"ml\").",
    },
    "listwise": {
        "zh": "缺失与“无法回答”按列表删除处理：有任一缺失的受访者不参与估计（删除 {n_dropped} 人）。",
        "en": "Missing and don't-know answers are handled by listwise deletion: respondents "
              "with any missing answer are left out ({n_dropped} dropped).",
    },
    "mean": {
        "zh": "缺失与“无法回答”以该指标的均值替代：{n_incomplete} 位受访者的 {n_values_replaced} 个回答被替代，全部 {n_used} 位受访者参与估计。",
        "en": "Missing and don't-know answers are replaced by the item's mean: "
              "{n_values_replaced} answers of {n_incomplete} respondents; all {n_used} "
              "respondents are used.",
    },
    "cbsem_weights": {
        "zh": "个案权重：列 “{column}”，按 lavaan 的 sampling.weights 处理：权重缩放至总和等于参与估计的受访者数，"
              "以加权矩（FIML 时为加权的个案似然）做最大似然估计；标准误为稳健的三明治（Huber-White）标准误，"
              "由观测信息矩阵求得；χ² 另给 Yuan-Bentler 校正值（Mplus 变体），并给出稳健的 CFI、TLI、RMSEA"
              "（lavaan 在有抽样权重时的默认做法，即 MLR）。",
        "en": "Case weights from column '{column}', as lavaan's sampling.weights: rescaled to "
              "sum to the respondents used; ML on the weighted moments (under FIML, the "
              "weighted casewise likelihood); robust (Huber-White sandwich) standard errors "
              "from the observed information; the χ² also Yuan-Bentler scaled (Mplus variant), "
              "with robust CFI, TLI and RMSEA (lavaan's default under sampling weights, MLR).",
    },
    "cbsem_no_weights": {"zh": "未使用个案权重。", "en": "No case weights."},
    "fit": {
        "zh": "拟合指标按 lavaan 的定义自行计算（基准模型为独立模型；RMSEA 用 N；SRMR 为 Bentler 定义），并已与 lavaan 结果核对。",
        "en": "Fit measures are computed with lavaan's definitions (independence baseline, "
              "RMSEA with N, Bentler's SRMR) and tested against lavaan.",
    },
    "cbsem_std": {
        "zh": "标准化系数为完全标准化解；标准误、置信区间与 p 值（Wald）针对非标准化估计值。",
        "en": "Standardized coefficients are the fully standardized solution; standard errors, "
              "intervals and p-values (Wald) refer to the unstandardized estimates.",
    },
    "pls_estimator": {
        "zh": "偏最小二乘路径模型（PLS-PM；Wold 1982；Lohmöller 1989），{scheme}加权方案，收敛标准：权重变化 < {tolerance:g}（最多 {max_iter} 次迭代），{iterations}。",
        "en": "Partial least squares path modelling (PLS-PM; Wold 1982; Lohmöller 1989), "
              "{scheme} weighting scheme, stop criterion: weight change < {tolerance:g} (at "
              "most {max_iter} iterations); {iterations}.",
    },
    "pls_modes": {
        "zh": "测量模式：{modes}。",
        "en": "Measurement modes: {modes}.",
    },
    "pls_hoc_repeated": {
        "zh": "高阶潜变量 {hoc} 采用重复指标法：以其全部维度的指标测量，并解释各维度（Sarstedt 等 2019）。",
        "en": "Higher-order construct {hoc} by repeated indicators: measured by all items of "
              "its dimensions, and predicting each dimension (Sarstedt et al. 2019).",
    },
    "pls_hoc_two_stage": {
        "zh": "高阶潜变量 {hoc} 采用两阶段法：第一阶段为重复指标模型，第二阶段以维度得分测量高阶潜变量（Sarstedt 等 2019）。",
        "en": "Higher-order construct {hoc} by the two-stage approach: stage one is the "
              "repeated-indicators model, stage two measures it by the dimension scores "
              "(Sarstedt et al. 2019).",
    },
    "pls_hoc_other": {
        "zh": "高阶潜变量 {hoc}：方法 {method}。",
        "en": "Higher-order construct {hoc}: {method} approach.",
    },
    "pls_weights": {
        "zh": "个案权重：列 “{column}”（加权 PLS，Becker & Ismail 2016）。",
        "en": "Case weights from column '{column}' (weighted PLS; Becker & Ismail 2016).",
    },
    "pls_no_weights": {"zh": "未使用个案权重。", "en": "No case weights."},
    "pls_sign": {
        "zh": "符号规则：每个潜变量的权重方向使其与多数指标正相关。",
        "en": "Sign rule: each construct's weights are oriented so that it correlates "
              "positively with most of its items.",
    },
    "pls_no_fit": {
        "zh": "PLS 没有整体拟合检验（χ² 等不适用）；本报告不计算 PLS 的 SRMR。请依据测量模型质量、R² 与路径显著性评估模型。",
        "en": "PLS has no global goodness-of-fit test (χ² and the like do not apply); SRMR is "
              "not computed for PLS in this report. Judge the model by its measurement "
              "quality, R² and the significance of its paths.",
    },
    "pls_std": {
        "zh": "PLS 路径系数即标准化系数（指标已标准化）。",
        "en": "PLS path coefficients are standardized (the items are standardized).",
    },
    "bootstrap": {
        "zh": "Bootstrap：{resamples} 次重抽样（随机种子 {seed}），成功 {ok} 次，失败 {failed} 次{failures}。标准误为重抽样估计值的标准差，t = 估计值 / 标准误，p 值：{p_value}。",
        "en": "Bootstrap: {resamples} resamples (seed {seed}), {ok} succeeded and {failed} "
              "failed{failures}. The standard error is the standard deviation of the draws, "
              "t = estimate / SE, p-values: {p_value}.",
    },
    "inadmissible_keep": {
        "zh": "解不可接受的重抽样（方差为负、协方差矩阵非正定）：保留（与 lavaan 一致），共 {kept} 次。",
        "en": "Resamples with an inadmissible solution (a negative variance, a "
              "non-positive-definite covariance matrix): kept, as lavaan does ({kept}).",
    },
    "inadmissible_drop": {
        "zh": "解不可接受的重抽样（方差为负、协方差矩阵非正定）：剔除，计入失败次数。",
        "en": "Resamples with an inadmissible solution (a negative variance, a "
              "non-positive-definite covariance matrix): dropped, counted among the failures.",
    },
    "interval_percentile": {
        "zh": "置信区间：{level:.0%} 百分位区间（percentile）。",
        "en": "Intervals: {level:.0%} percentile intervals.",
    },
    "interval_bca": {
        "zh": "置信区间：{level:.0%} 偏差校正加速区间（BCa；Efron 1987），加速常数由分 {groups} 组的刀切法（jackknife）求得。",
        "en": "Intervals: {level:.0%} bias-corrected and accelerated (BCa; Efron 1987), the "
              "acceleration from a jackknife with {groups} groups.",
    },
    "no_bootstrap": {
        "zh": "未做 bootstrap：PLS 的标准误、置信区间与 p 值未计算（需用 --bootstrap）。",
        "en": "No bootstrap: standard errors, intervals and p-values of the PLS estimates are "
              "not computed (use --bootstrap).",
    },
    "index": {
        "zh": "0-100 指数：指标权重换算到原始量纲并归一化，指数 = 100 × Σ wᵢ (均值ᵢ − 最小值) / (最大值 − 最小值)。全部取最低分为 0，全部取最高分为 100。",
        "en": "0-100 index: item weights rescaled to the raw metric and normalised to sum to 1; "
              "index = 100 × Σ wᵢ (meanᵢ − min) / (max − min). All items at the minimum give "
              "0, at the maximum 100.",
    },
    "factor_score_regression": {
        "zh": "本报告指数使用的权重：因子得分回归权重（Thurstone），由各潜变量自身指标的模型隐含协方差求得；高阶构念使用其全部维度指标。",
        "en": "Weights used for the indices: factor-score regression weights (Thurstone) from "
              "the model-implied covariances of each latent's own items; a higher-order "
              "construct uses all items of its dimensions.",
    },
    "pls_outer_weights": {
        "zh": "本报告指数使用的权重：PLS 外部权重（标准化指标的权重除以指标标准差换算到原始量纲，再归一化；ACSI 惯例，Fornell 等 1996）。",
        "en": "Weights used for the indices: PLS outer weights (the weights of the "
              "standardized items divided by each item's standard deviation, then normalised; "
              "the ACSI convention, Fornell et al. 1996).",
    },
    "composite_vs_factor": {
        "zh": "为什么两种方法不同：PLS 估计的是复合变量（指标的加权和），CB-SEM 估计的是共同因子。当测量模型是反映性时，复合变量含有测量误差，因此 PLS 的路径系数通常偏小（衰减）、载荷偏大；CB-SEM（或一致性 PLS，PLSc）对此作了校正（Dijkstra & Henseler 2015）。两者的指数都是同一组指标的加权均值，通常非常接近。",
        "en": "Why the two differ: PLS estimates composites (weighted sums of the items), "
              "CB-SEM common factors. Under a reflective measurement model the composites "
              "carry measurement error, so PLS paths tend to be attenuated (smaller) and its "
              "loadings inflated; CB-SEM (or consistent PLS, PLSc) corrects for this (Dijkstra "
              "& Henseler 2015). Both indices are weighted means of the same items and usually "
              "agree closely.",
    },
    "plsc_estimator": {
        "zh": "一致性偏最小二乘（PLSc；Dijkstra & Henseler 2015）：先按上述 PLS 估计，再对反映性（模式 A）潜变量校正测量误差。以各潜变量的信度 rho_A 对潜变量相关去衰减（r* = r / √(rho_A,i · rho_A,j)），在校正后的相关矩阵上用最小二乘重新估计路径系数与 R²，载荷换为一致载荷（λ = w · √rho_A / w′w）。校正后的数值是共同因子模型的一致估计，可与 CB-SEM 直接比较。",
        "en": "Consistent partial least squares (PLSc; Dijkstra & Henseler 2015): PLS as "
              "above, then corrected for measurement error in the reflective (mode A) "
              "constructs. The construct correlations are disattenuated by each construct's "
              "reliability rho_A (r* = r / √(rho_A,i · rho_A,j)), paths and R² are re-estimated "
              "by least squares on the corrected correlations, and the loadings are the "
              "consistent ones (λ = w · √rho_A / w′w). The corrected numbers estimate a "
              "common-factor model consistently and are comparable with CB-SEM's.",
    },
    "plsc_rho_a": {
        "zh": "PLSc 使用的 rho_A：{values}。",
        "en": "rho_A used by PLSc: {values}.",
    },
    "plsc_uncorrected": {
        "zh": "未校正（rho_A = 1）：{constructs}（单指标或形成性/复合变量，按 Dijkstra & Henseler 的做法不作校正）。",
        "en": "Not corrected (rho_A = 1): {constructs} (a single item, or a formative "
              "composite: left as they are, as in Dijkstra & Henseler).",
    },
    "plsc_admissible": {
        "zh": "解可接受：每个 rho_A 都在 (0, 1] 之内，校正后的潜变量相关矩阵正定（最小特征值 {value}）。Bootstrap 中任何不满足这两项的重抽样均计为失败。",
        "en": "The solution is admissible: every rho_A lies in (0, 1] and the corrected "
              "construct correlation matrix is positive definite (smallest eigenvalue "
              "{value}). Bootstrap resamples that break either are counted as failed.",
    },
    "plsc_inadmissible": {
        "zh": "解不可接受：某个 rho_A 大于 1，或校正后的潜变量相关矩阵非正定（最小特征值 {value}）。PLSc 的路径与载荷仅供诊断；Bootstrap 中同样不可接受的重抽样计为失败。",
        "en": "The solution is inadmissible: a rho_A above 1, or a corrected construct "
              "correlation matrix that is not positive definite (smallest eigenvalue {value}). "
              "Its paths and loadings are for diagnosis only; bootstrap resamples that are "
              "inadmissible too are counted as failed.",
    },
    "plsc_indices": {
        "zh": "PLSc 只校正载荷和路径系数；0-100 指数仍由 PLS 外部权重计算（指数是指标的加权均值，校正不改变这组权重），因此 PLSc 与 PLS 的指数相同。",
        "en": "PLSc corrects loadings and paths only; the 0-100 indices are still computed "
              "from the PLS outer weights (an index is a weighted mean of the items, and the "
              "correction does not change those weights), so PLSc's indices are PLS's.",
    },
    "comparison_plsc": {
        "zh": "“PLSc”一列为一致性 PLS 的数值，仅供参照：标红与“差异”仍只比较 PLS 与 CB-SEM。PLSc 与 CB-SEM 接近，说明两者之差主要来自测量误差（复合变量与共同因子之别）。",
        "en": "The PLSc column gives consistent PLS's numbers for reference: the flags and "
              "the difference still compare PLS with CB-SEM. PLSc close to CB-SEM says their "
              "gap comes from measurement error (composites against common factors).",
    },
    "comparison_inadmissible": {
        "zh": "注意：CB-SEM 的解不可接受，下表中 CB-SEM 的数值仅供诊断，差异不说明 PLS 结果有误。",
        "en": "Note: the CB-SEM solution is inadmissible; its numbers below are for diagnosis "
              "only, and a disagreement does not mean the PLS results are wrong.",
    },
}

#: Fit measures with a language of their own (the others are symbols: χ², CFI, ...): lavaan's
#: scaled and robust measures under case weights (MLR).
FIT_NAMES: dict[str, dict[str, str]] = {
    "chi2_scaled": {"zh": "χ²（Yuan-Bentler 校正）", "en": "χ² (Yuan-Bentler scaled)"},
    "p_value_scaled": {"zh": "p（校正）", "en": "p (scaled)"},
    "scaling_factor": {"zh": "校正因子", "en": "Scaling factor"},
    "cfi_robust": {"zh": "CFI（稳健）", "en": "CFI (robust)"},
    "tli_robust": {"zh": "TLI（稳健）", "en": "TLI (robust)"},
    "rmsea_robust": {"zh": "RMSEA（稳健）", "en": "RMSEA (robust)"},
}

SCHEMES = {"path": {"zh": "路径", "en": "path"}, "centroid": {"zh": "质心", "en": "centroid"},
           "factorial": {"zh": "因子", "en": "factorial"}}
MISSING = {"mean": {"zh": "均值替代", "en": "mean replacement"},
           "listwise": {"zh": "列表删除", "en": "listwise deletion"},
           "fiml": {"zh": "完全信息最大似然（FIML）", "en": "full-information ML (FIML)"}}
MODES = {"A": {"zh": "反映性（模式 A）", "en": "reflective (mode A)"},
         "B": {"zh": "形成性（模式 B）", "en": "formative (mode B)"}}
INTERVALS = {"percentile": {"zh": "百分位 bootstrap", "en": "percentile bootstrap"},
             "bca": {"zh": "BCa bootstrap", "en": "BCa bootstrap"},
             "wald": {"zh": "Wald", "en": "Wald"}}

# --------------------------------------------------------------------------- analysis sections
# The sections built from ``StudyResult.analysis`` (survey.analysis): drivers (IPMA), the classic
# methods, the satisfaction ratio, the gauges, segments and value tiers, and index precision.

#: Labels of the analysis sections.
ANALYSIS_UI: dict[str, dict[str, str]] = {
    # Drivers (IPMA)
    "drivers": {"zh": "驱动因素分析（IPMA）", "en": "Drivers: importance-performance map (IPMA)"},
    "drivers_of": {"zh": "{target}的驱动因素", "en": "Drivers of {target}"},
    "drivers_intro": {
        "zh": "重要性-表现矩阵（IPMA；Ringle & Sarstedt 2016）。横轴为重要性：驱动因素的表现每提高 1 分"
              "（0-100 分制），目标变量（{targets}）提高的分数（非标准化总效应）；纵轴为表现：驱动因素的 "
              "0-100 指数。虚线为平均重要性与平均表现，把矩阵分为四个区域。",
        "en": "Importance-performance map (IPMA; Ringle & Sarstedt 2016). Importance (across) is the "
              "number of points the target ({targets}) gains when a driver's performance rises by "
              "1 point on the 0-100 scale (the unstandardized total effect); performance (up) is "
              "the driver's 0-100 index. Dashed lines mark the mean importance and the mean "
              "performance and divide the map into four areas."},
    "importance": {"zh": "重要性", "en": "Importance"},
    "performance": {"zh": "表现", "en": "Performance"},
    "importance_axis": {"zh": "重要性（表现 +1 分时{target}提高的分数）",
                        "en": "Importance (points of {target} per +1 point)"},
    "performance_axis": {"zh": "表现（0-100 指数）", "en": "Performance (0-100 index)"},
    "impact": {"zh": "表现 +5 分的效果", "en": "Effect of +5 points"},
    "impact_cell": {"zh": "{target} {value} 分", "en": "{value} points of {target}"},
    "quadrant": {"zh": "象限", "en": "Quadrant"},
    "constructs_panel": {"zh": "潜变量", "en": "Constructs"},
    "dimensions_panel": {"zh": "{parents}的维度", "en": "Dimensions of {parents}"},
    "priority": {"zh": "优先级", "en": "Priority"},
    "priority_order": {"zh": "改进优先顺序：", "en": "Priority order: "},
    "priority_rule": {
        "zh": "优先规则（本报告各处一致）：先改进重点改进区（重要性高于、表现低于同类平均）的驱动因素，"
              "各组内按潜在提升（重要性 × (100 − 表现)）从大到小排列。",
        "en": "Priority rule (the same everywhere in this report): drivers in the improve-first "
              "area (importance above and performance below the average of their kind) come "
              "first; within each group, the largest potential gain (importance × (100 − "
              "performance)) first."},
    "improve_first_list": {"zh": "重点改进区（重要性高、表现低）：{names}。",
                           "en": "Improve first (important but weak): {names}."},
    "improve_first_none": {"zh": "没有驱动因素落在重点改进区。",
                           "en": "No driver falls in the improve-first area."},
    "top_items": {"zh": "优先改进的指标（前 {n} 项）",
                  "en": "Items to improve first (top {n})"},
    "potential_gain": {"zh": "潜在提升", "en": "Potential gain"},
    "potential_gain_note": {
        "zh": "潜在提升 = 重要性 × (100 − 表现)：该指标达到满分时{target}可提高的分数。指标的重要性为其"
              "归一化权重乘以所属潜变量的总效应。",
        "en": "Potential gain = importance × (100 − performance): the points {target} would gain "
              "if the item reached the top of its scale. An item's importance is its normalised "
              "weight times its construct's total effect."},
    "quadrant_note": {
        "zh": "象限按同类驱动因素（潜变量、维度、指标分别计算）的平均重要性与平均表现划分。",
        "en": "Quadrants split at the mean importance and the mean performance of the drivers of "
              "the same kind (constructs, dimensions and items separately)."},
    # The classic methods
    "methods": {"zh": "五种测评方法对照", "en": "The classic methods side by side"},
    "methods_intro": {
        "zh": "用满意度测评实践中常用的五种方法分析同一批数据，找出应优先改进的驱动因素。每格为该方法给出的优先名次"
              "（1 = 最应优先改进），其下为该方法的重要性度量。名次相差 {gap} 位及以上的驱动因素标红。",
        "en": "The same data run through the five methods customer-satisfaction practice uses to find the "
              "drivers to improve first. Each cell gives the method's priority rank (1 = improve "
              "first) and, below it, the method's own measure. Drivers whose ranks differ by "
              "{gap} places or more are shown in red."},
    "driver": {"zh": "驱动因素", "en": "Driver"},
    "rank_gap": {"zh": "名次差", "en": "Rank gap"},
    "top3": {"zh": "各方法的前三位", "en": "Top three of each method"},
    "kendall": {"zh": "方法之间排序的一致性（Kendall τ）", "en": "Agreement of the methods' orders (Kendall's τ)"},
    "kendall_note": {"zh": "τ = 1：排序完全相同；0：无关；−1：完全相反。括号内为比较的驱动因素个数。",
                     "en": "τ = 1: identical orders; 0: unrelated; −1: reversed. In parentheses: "
                           "the number of drivers compared."},
    "method_col": {"zh": "方法", "en": "Method"},
    "how_to_read": {"zh": "各方法测的是什么、弱点在哪里", "en": "What each method measures, and its weakness"},
    "conclusion": {"zh": "结论", "en": "Conclusion"},
    "agree_all": {"zh": "全部 {k} 种方法都把{names}列入前三位改进重点。",
                  "en": "All {k} methods put {names} among their top three priorities."},
    "agree_most": {"zh": "{m}/{k} 种方法把{names}列入前三位改进重点。",
                   "en": "{m} of {k} methods put {names} among their top three priorities."},
    "agree_none": {"zh": "各方法的前三位没有共同的驱动因素。",
                   "en": "The methods share no driver in their top three."},
    "contested": {"zh": "分歧最大：{items}。", "en": "Most contested: {items}."},
    "ranks_range": {"zh": "{name}（名次 {low}–{high}）", "en": "{name} (ranks {low}–{high})"},
    "methods_rule": {
        "zh": "本报告的改进重点（驱动因素分析的优先规则，基于结构方程模型）：{names}。下列经典方法仅作对照。",
        "en": "This report's drivers to improve first (the priority rule of the driver analysis, "
              "from the structural equation model): {names}. The classic methods below are for "
              "comparison."},
    "methods_rule_none": {
        "zh": "按本报告的优先规则，没有驱动因素落在重点改进区。下列经典方法仅作对照。",
        "en": "By this report's priority rule no driver is in the improve-first area. The "
              "classic methods below are for comparison."},
    "methods_differ": {
        "zh": "经典方法的共识与本报告的优先规则不一致，不在重点改进区的有：{names}。经典方法不考虑驱动因素之间的关系与测量误差，"
              "以优先规则为准。",
        "en": "Where the classic methods' consensus differs from this report's priority rule, "
              "outside the improve-first area: {names}. The classic methods ignore the relations "
              "among the drivers and measurement error; the rule decides."},
    "not_run": {"zh": "未使用", "en": "not run"},
    "methods_extremes": {"zh": "标红的行中，绿色名次为该驱动因素最靠前的名次，红色为最靠后的名次。",
                         "en": "In the red rows, the driver's highest rank is green and its lowest "
                               "red."},
    "regression_star": {"zh": "线性回归法：* 系数显著为正（p < [[alpha]]，HC3 稳健标准误）。",
                        "en": "Linear regression: * significantly positive coefficient (p < [[alpha]], "
                              "HC3 robust standard errors)."},
    # Satisfaction ratio
    "ratio": {"zh": "满意度比率 C", "en": "Satisfaction ratio C"},
    "ratio_intro": {
        "zh": "C = b / a：b 为感知得分，a 为事先的期望得分（同一量表）。C > 1：超出预期（很满意）；C ≈ 1"
              "（相差 ±{tol} 以内）：符合预期（满意）；C < 1：未达预期（不满意）；C = 0：期望完全落空。"
              "各区间的受访者比例按每位受访者自己的 C 计算。",
        "en": "C = b / a: b the perceived score, a the score expected beforehand (same scale). "
              "C > 1: expectations exceeded (very satisfied); C ≈ 1 (within ±{tol}): met "
              "(satisfied); C < 1: not met (dissatisfied); C = 0: expectations wholly unmet. "
              "The shares of respondents in each band use each respondent's own C."},
    "expectation_item": {"zh": "期望", "en": "Expectation"},
    "perceived": {"zh": "感知", "en": "Perceived"},
    "expected_mean": {"zh": "期望 a", "en": "Expected a"},
    "perceived_mean": {"zh": "感知 b", "en": "Perceived b"},
    "reading": {"zh": "判断", "en": "Reading"},
    "shares_by_band": {"zh": "受访者比例", "en": "Share of respondents"},
    "ratio_not_met": {"zh": "期望未被满足：{items}。", "en": "Expectations not met: {items}."},
    "ratio_all_met": {"zh": "所有方面都达到或超出了期望。", "en": "Every aspect meets or exceeds expectations."},
    # Gauges
    "gauges": {"zh": "满意度与忠诚度测评指标", "en": "Satisfaction and loyalty gauges"},
    "gauge": {"zh": "测评指标", "en": "Gauge"},
    "mean": {"zh": "均值", "en": "Mean"},
    "top_box": {"zh": "高分比例", "en": "Top box"},
    "bottom_box": {"zh": "低分比例", "en": "Bottom box"},
    "sat_by_box": {"zh": "{target}指数：高 / 中 / 低分组", "en": "{target} index: top / middle / bottom"},
    "correlation": {"zh": "与{target}得分的相关", "en": "Correlation with {target}"},
    "distribution": {"zh": "回答分布", "en": "Distribution of answers"},
    "share": {"zh": "占比", "en": "Share"},
    "share_axis": {"zh": "受访者比例", "en": "Share of respondents"},
    "gauges_note": {
        "zh": "高分比例：{top} 分的回答（量表上部 30%），即会推荐或会再次购买的比例；低分比例：{bottom} 分"
              "（下部 30%）。按回答分组的{target}指数为各组受访者 0-100 {target}得分的均值。",
        "en": "Top box: answers {top} (the upper 30 % of the scale), those who would recommend or "
              "buy again; bottom box: {bottom} (the lower 30 %). The {target} index by answer is "
              "the mean 0-100 {target} score of the respondents in each group."},
    "complaint_funnel": {"zh": "投诉漏斗", "en": "Complaint funnel"},
    "funnel_summary": {
        "zh": "不满意（总体满意度低于量表中点）的受访者占 {dissatisfied}，投诉过的占 {complained}；不满意者中投诉过的占 {among}。",
        "en": "Dissatisfied (overall satisfaction below the scale midpoint): {dissatisfied} of "
              "respondents; complained: {complained}; among the dissatisfied, {among} complained."},
    "funnel_silent": {"zh": "多数不满意的顾客不投诉，而是悄悄流失：不要把投诉少当作满意。",
                      "en": "Most dissatisfied customers do not complain, they leave quietly: few "
                            "complaints do not mean satisfied customers."},
    "group": {"zh": "分组", "en": "Group"},
    "share_of_all": {"zh": "占全部受访者", "en": "Share of respondents"},
    "buy_again": {"zh": "会再次购买（本次调查）", "en": "Would buy again (this survey)"},
    "benchmark": {"zh": "参照（TARP 投诉研究）", "en": "Benchmark (TARP complaint research)"},
    "vs_benchmark": {"zh": "与 TARP 参照之差", "en": "Versus the TARP benchmark"},
    "points": {"zh": "{value} 个百分点", "en": "{value} points"},
    "funnel_note": {
        "zh": "“会再次购买”：重复购买意愿题的高分比例（{top} 分）。参照值来自 TARP（Technical Assistance Research Programs）为美国消费者事务办公室所做的消费者投诉研究"
              "（损失可能超过 100 美元的问题）：投诉很快得到"
              "解决的顾客 82% 会再次购买，得到解决 54%，没有解决 19%，不满意但从未投诉 9%。",
        "en": "“Would buy again”: the top box ({top}) of the repurchase question. The benchmark "
              "is TARP's (Technical Assistance Research Programs) consumer-complaint research for the "
              "U.S. Office of Consumer Affairs, for problems that could cost the customer over "
              "US$100: complaint resolved quickly "
              "82 % buy again, resolved 54 %, not resolved 19 %, dissatisfied but never "
              "complained 9 %."},
    # Segments
    "segments": {"zh": "细分群体", "en": "Segments"},
    "segments_intro": {
        "zh": "按受访者特征分组，每组单独估计同一模型；样本量不足的组不估计。{target}指数后为 {ci}。",
        "en": "The respondents split by a characteristic and the same model estimated in each "
              "level; levels too small are not estimated. The {target} index is followed by its "
              "{ci}."},
    "segments_intro_plain": {
        "zh": "按受访者特征分组，每组单独估计同一模型；样本量不足的组不估计。",
        "en": "The respondents split by a characteristic and the same model estimated in each "
              "level; levels too small are not estimated."},
    "segment_by": {"zh": "按{name}", "en": "By {name}"},
    "level": {"zh": "分组", "en": "Level"},
    "all_respondents": {"zh": "全部受访者", "en": "All respondents"},
    "not_estimated_n": {"zh": "未估计：仅 {n} 位受访者，少于本模型所需的 {min_n} 位。",
                        "en": "Not estimated: {n} respondents, fewer than the {min_n} this model needs."},
    "not_estimated": {"zh": "未估计：{reason}", "en": "Not estimated: {reason}"},
    "unassigned": {"zh": "{n} 位受访者在“{column}”中没有取值，不属于任何分组。",
                   "en": "{n} respondents have no value in '{column}' and belong to no level."},
    "band_of": {"zh": "{label}（分段）", "en": "{label} (bands)"},
    "value_tier": {"zh": "客户价值层级", "en": "Customer value tier"},
    "level_warnings": {"zh": "各组估计的提示（{n} 条）", "en": "Warnings of the levels' estimates ({n})"},
    "value_tiers": {"zh": "客户价值分层", "en": "Customer value tiers"},
    "tiers_intro": {
        "zh": "按“{column}”从高到低排列 {n} 位客户：前 1% 为白金客户，其后 4% 为黄金客户，再后 15% 为铁客户，"
              "其余 80% 为铅客户。",
        "en": "{n} customers ranked by '{column}', highest first: the top 1 % are platinum, the "
              "next 4 % gold, the next 15 % iron, the other 80 % lead."},
    "tiers_missing": {"zh": "{n} 位受访者没有该值，未参与分层。", "en": "{n} respondents have no value and are not ranked."},
    "tier": {"zh": "层级", "en": "Tier"},
    "nominal_share": {"zh": "名义比例", "en": "Nominal share"},
    "customers": {"zh": "客户数", "en": "Customers"},
    "customer_share": {"zh": "客户占比", "en": "Share of customers"},
    "value_total": {"zh": "价值", "en": "Value"},
    "value_share": {"zh": "价值占比", "en": "Share of value"},
    "value_range": {"zh": "价值范围", "en": "Value range"},
    "customers_bar": {"zh": "客户", "en": "Customers"},
    "value_bar": {"zh": "价值", "en": "Value"},
    "tiers_top": {"zh": "前 {customers} 的客户（白金、黄金与铁客户）贡献了 {value} 的价值（经验法则“帕累托 80/20”：约 80% 的利润来自 20% 的客户）。",
                  "en": "The top {customers} of customers (platinum, gold and iron) bring {value} "
                        "of the value (the Pareto 80/20 rule of thumb: about 80 % of profit comes from 20 % of "
                        "customers)."},
    "segment_tests": {"zh": "组间差异检验（置换检验）", "en": "Differences between levels (permutation tests)"},
    "tests_summary": {
        "zh": "{pairs} 对分组，共 {tests} 项检验（{permutations} 次置换）：{sig} 项 p < [[alpha]]（即使各组之间毫无差异，"
              "偶然也会出现约 {expected} 项），其中 {holm} 项经 Holm 校正后仍显著。",
        "en": "{pairs} pairs of levels, {tests} tests ({permutations} permutations): {sig} with "
              "p < [[alpha]] (about {expected} would be by chance alone if no level differed), {holm} "
              "of them still significant after Holm's correction."},
    "only_significant": {"zh": "下表只列出 p < [[alpha]] 的差异；Holm 校正后仍显著的为粗体。",
                         "en": "Only differences with p < [[alpha]] are listed; those still significant "
                               "after Holm's correction are in bold."},
    "no_significant": {"zh": "没有 p < [[alpha]] 的差异。", "en": "No difference has p < [[alpha]]."},
    "more_tests": {"zh": "另有 {n} 项 p < [[alpha]] 的差异未列出（见 JSON）。",
                   "en": "{n} more differences with p < [[alpha]] are not shown (see the JSON)."},
    "levels_pair": {"zh": "比较组", "en": "Pair"},
    "parameter": {"zh": "参数", "en": "Parameter"},
    "level_1": {"zh": "第一组", "en": "Level 1"},
    "level_2": {"zh": "第二组", "en": "Level 2"},
    "holm_p": {"zh": "Holm 校正 p", "en": "Holm p"},
    "comparable": {"zh": "可比性", "en": "Comparable"},
    "not_comparable": {"zh": "不可比：测量不变性不成立", "en": "not comparable: no measurement invariance"},
    "index_of": {"zh": "{name} 指数", "en": "{name} index"},
    "micom": {"zh": "测量不变性（MICOM）", "en": "Measurement invariance (MICOM)"},
    "micom_note": {
        "zh": "MICOM（Henseler 等 2016）：组间的指数与路径比较只有在测量不变性（至少部分）成立时才有意义。"
              "“不成立”时，所列潜变量在两组中的构成不同，其指数及进出它的路径不可比较。",
        "en": "MICOM (Henseler et al. 2016): comparing indices and paths between levels is "
              "meaningful only under (at least partial) measurement invariance. Where it fails, "
              "the constructs listed are built differently in the two levels, and their indices "
              "and the paths into and out of them cannot be compared."},
    "micom_warning": {"zh": "{total} 对分组中有 {n} 对测量不变性不成立：这些组之间涉及所列潜变量的比较不可解读。",
                      "en": "Measurement invariance fails for {n} of {total} pairs: comparisons "
                            "of those levels involving the constructs listed cannot be "
                            "interpreted."},
    "composition_differs": {"zh": "构成不同的潜变量", "en": "Constructs built differently"},
    "segment_tests_lr": {"zh": "组间差异检验（似然比检验）",
                         "en": "Differences between levels (likelihood-ratio tests)"},
    "tests_summary_lr": {
        "zh": "{pairs} 对分组，共 {tests} 项比较（路径差异用等载荷双组模型内的似然比检验）：{sig} 项 p < [[alpha]]"
              "（即使各组之间毫无差异，偶然也会出现约 {expected} 项），其中 {holm} 项经 Holm 校正后仍显著。",
        "en": "{pairs} pairs of levels, {tests} comparisons (path differences by likelihood-ratio "
              "tests inside the two-group equal-loadings model): {sig} with p < [[alpha]] (about "
              "{expected} would be by chance alone if no level differed), {holm} of them still "
              "significant after Holm's correction."},
    "invariance_lr": {"zh": "测量不变性（似然比检验）", "en": "Measurement invariance (likelihood-ratio tests)"},
    "lr_tests": {"zh": "似然比检验", "en": "Likelihood-ratio tests"},
    "invariance_lr_note": {
        "zh": "测量不变性以双组最大似然模型的似然比检验判断（Meredith 1993）：度量不变（载荷相等）对构型模型，标量不变"
              "（载荷与题项截距相等）对度量模型。度量不变成立时路径差异可比；标量不变也成立时潜变量均值与指数水平才可比。",
        "en": "Measurement invariance by likelihood-ratio tests in a two-group ML model "
              "(Meredith 1993): metric (equal loadings) against the configural model, scalar "
              "(equal loadings and item intercepts) against the metric model. Path differences "
              "are comparable when metric invariance holds; latent means and index levels only "
              "when scalar invariance holds as well."},
    "test_note": {"zh": "说明", "en": "Note"},
    # Precision
    "precision": {"zh": "指数精度", "en": "Precision of the indices"},
    "precision_intro": {
        "zh": "标准误按抽样设计（权重、分层、有限总体校正）以 Taylor 线性化计算。设计效应 = 设计方差 / 同样本量简单随机"
              "抽样的方差；有效样本量 = n / 设计效应；Kish 加权效应 = 1 + 权重变异系数²。",
        "en": "Standard errors follow the sampling design (weights, strata, finite-population "
              "correction) by Taylor linearisation. Design effect = design variance / variance of "
              "a simple random sample of the same n; effective n = n / design effect; Kish's "
              "weighting effect = 1 + CV² of the weights."},
    "moe": {"zh": "误差范围（±，{level}）", "en": "Margin of error (±, {level})"},
    "deff": {"zh": "设计效应", "en": "Design effect"},
    "n_effective": {"zh": "有效样本量", "en": "Effective n"},
    "deff_kish": {"zh": "Kish 加权效应", "en": "Kish weighting effect"},
    "n_effective_kish": {"zh": "有效样本量（Kish）", "en": "Effective n (Kish)"},
    "moe_not_probability": {
        "zh": "非概率样本：按 AAPOR 职业道德与实践准则，不报告抽样误差范围。",
        "en": "Not a probability sample: no margin of sampling error is reported (AAPOR Code of "
              "Professional Ethics and Practices)."},
    "moe_probability": {"zh": "概率样本：误差范围 = z × 标准误（{level} 置信水平）。",
                        "en": "Probability sample: margin of error = z × SE ({level} confidence)."},
    "precision_unavailable": {"zh": "指数无效（有负的指标权重），受访者得分不在 0-100 量表上。",
                              "en": "The index is invalid (a negative item weight), so its "
                                    "respondent scores are not on the 0-100 scale."},
    "variance_method": {"zh": "方差估计：{method}。", "en": "Variance estimation: {method}."},
    "analysis_notes": {"zh": "分析方法", "en": "Analyses"},
}

#: The importance-performance quadrants (survey.analysis.drivers.QUADRANTS).
QUADRANTS: dict[str, dict[str, str]] = {
    "improve_first": {"zh": "重点改进区", "en": "Improve first"},
    "keep_up": {"zh": "继续保持区", "en": "Keep up the good work"},
    "low_priority": {"zh": "次要改进区", "en": "Low priority"},
    "possible_overkill": {"zh": "过度投入区", "en": "Possible overkill"},
}

#: The classic methods (survey.analysis.methods.METHODS): name, measure, what it does and its
#: weakness, and why it could not be run.
METHOD_NAMES: dict[str, dict[str, str]] = {
    "mean": {"zh": "简单平均法", "en": "Simple method"},
    "dual_evaluation": {"zh": "双重评价法", "en": "Dual evaluation"},
    "improved_dual_evaluation": {"zh": "改进的双重评价法", "en": "Improved dual evaluation"},
    "regression": {"zh": "线性回归法", "en": "Linear regression"},
    "sem": {"zh": "结构方程模型（IPMA）", "en": "Structural equation model (IPMA)"},
}
METHOD_MEASURES: dict[str, dict[str, str]] = {
    "mean": {"zh": "表现（均值）", "en": "performance"},
    "dual_evaluation": {"zh": "陈述重要性", "en": "stated importance"},
    "improved_dual_evaluation": {"zh": "相关系数 r", "en": "correlation r"},
    "regression": {"zh": "回归系数 b", "en": "coefficient b"},
    "sem": {"zh": "总效应", "en": "total effect"},
}
METHOD_TEXT: dict[str, dict[str, str]] = {
    "mean": {
        "zh": "按各驱动因素的平均得分排序，得分最低者优先。弱点：只看表现、不看重要性——得分低的方面未必影响{target}。",
        "en": "Drivers ranked by their mean score, the lowest first. Weakness: it looks at "
              "performance only; a low score need not matter to {target}."},
    "dual_evaluation": {
        "zh": "受访者直接评价各方面的重要性（陈述重要性），按重要性 × 差距（100 − 表现）排序。弱点：受访者往往认为"
              "每个方面都重要——本次陈述重要性只在 {low} 至 {high} 分之间，区分度低。",
        "en": "Respondents rate how important each aspect is (stated importance), ranked by "
              "importance × gap (100 − performance). Weakness: respondents call almost "
              "everything important (here stated importance only ranges from {low} to {high}), "
              "so it discriminates poorly."},
    "improved_dual_evaluation": {
        "zh": "以各驱动因素得分与“{outcome}”的相关系数作为推导重要性，按重要性 × 差距排序。弱点：相关不等于因果；"
              "驱动因素彼此相关时，各自的重要性相互重叠。",
        "en": "Derived importance: the correlation of each driver with '{outcome}', ranked by "
              "importance × gap. Weakness: correlation is not causation, and when the drivers "
              "correlate with each other their importances overlap."},
    "regression": {
        "zh": "“{outcome}”对各驱动因素的线性回归（n = {n}，R² = {r2}，HC3 稳健标准误）；显著的正系数按系数 × 差距"
              "排序，其余列在其后。弱点：驱动因素相关时，系数受共线性影响而不稳定。",
        "en": "'{outcome}' regressed on the drivers (n = {n}, R² = {r2}, HC3 robust standard "
              "errors); significant positive coefficients ranked by coefficient × gap, the "
              "others after them. Weakness: when the drivers correlate, collinearity makes the "
              "coefficients unstable."},
    "regression_negative": {
        "zh": "在指标层面的回归中，{items}的系数显著为负（最大 VIF {vif}）：这不表示改善它们会降低满意度，而是共线性的表现。",
        "en": "In the item-level regression {items} get significantly negative coefficients "
              "(highest VIF {vif}): not a sign that improving them would lower satisfaction, "
              "but of collinearity."},
    "sem": {
        "zh": "ACSI / CCSI 的方法：重要性为对{target}的总效应，按重要性 × 差距排序。它同时考虑驱动因素之间的因果关系与"
              "测量误差；要求样本足够大、测量质量良好（见“测量模型质量”）。",
        "en": "The ACSI / CCSI approach: importance is the total effect on {target}, ranked by "
              "importance × gap. It accounts for the causal relations among the drivers and for "
              "measurement error; it needs an adequate sample and sound measurement (see "
              "Measurement quality)."},
}
#: Why a method did not run, by the reason code of its result (survey.analysis.methods).
METHOD_UNAVAILABLE: dict[str, dict[str, str]] = {
    "no_importance_items": {"zh": "未使用：问卷中没有驱动因素的陈述重要性题目（importance 部分）。",
                            "en": "Not run: the questionnaire has no stated-importance ratings "
                                  "of the drivers (section 'importance')."},
    "no_importance_columns": {"zh": "未使用：数据中没有问卷的陈述重要性题目（{columns}）。",
                              "en": "Not run: the data has none of the questionnaire's "
                                    "stated-importance columns ({columns})."},
    "no_importance_of_drivers": {"zh": "未使用：陈述重要性题目问的是{rated}，都不是这里比较的驱动因素"
                                       "（{drivers}；高阶构念的驱动因素是它的各个维度）。",
                                 "en": "Not run: the stated-importance ratings are of {rated}, "
                                       "none of which is a driver compared here ({drivers}; a "
                                       "higher-order construct's drivers are its dimensions)."},
    "no_pls": {"zh": "未使用：没有 PLS 估计（IPMA）。", "en": "Not run: no PLS estimate (IPMA) is available."},
}

#: Bands of the satisfaction ratio (survey.analysis.ratio.BANDS): the reading, and the range.
RATIO_BANDS: dict[str, dict[str, str]] = {
    "exceeded": {"zh": "超出预期（很满意）", "en": "exceeded (very satisfied)"},
    "met": {"zh": "符合预期（满意）", "en": "met (satisfied)"},
    "not_met": {"zh": "未达预期（不满意）", "en": "not met (dissatisfied)"},
    "unmet": {"zh": "期望完全落空", "en": "wholly unmet"},
}

#: The gauges (survey.analysis.gauges) and the groups of the complaint funnel.
GAUGES: dict[str, dict[str, str]] = {
    "overall": {"zh": "总体满意度", "en": "Overall satisfaction"},
    "recommend": {"zh": "推荐意愿", "en": "Would recommend"},
    "repurchase": {"zh": "重复购买意愿", "en": "Would buy again"},
}
FUNNEL_GROUPS: dict[str, dict[str, str]] = {
    "resolved_quickly": {"zh": "投诉很快得到解决", "en": "Complaint resolved quickly"},
    "resolved": {"zh": "投诉得到解决", "en": "Complaint resolved"},
    "not_resolved": {"zh": "投诉没有解决", "en": "Complaint not resolved"},
    "complained_no_outcome": {"zh": "投诉过（未答处理结果）", "en": "Complained (outcome not given)"},
    "complained": {"zh": "投诉过", "en": "Complained"},
    "dissatisfied_silent": {"zh": "不满意但未投诉", "en": "Dissatisfied, never complained"},
    "satisfied_silent": {"zh": "满意或一般，未投诉", "en": "Satisfied or neutral, never complained"},
}

#: Customer value tiers (SOURCE.md §3).
#: The analyses survey.analysis.suite may skip, by their JSON block.
SKIPPED_NAMES: dict[str, dict[str, str]] = {
    "ipma": {"zh": "驱动因素分析（IPMA）", "en": "the drivers' importance-performance map (IPMA)"},
    "methods": {"zh": "五种测评方法对照", "en": "the classic methods side by side"},
    "complaint_funnel": {"zh": "投诉漏斗", "en": "the complaint funnel"},
}

TIERS: dict[str, dict[str, str]] = {
    "platinum": {"zh": "白金客户", "en": "Platinum"},
    "gold": {"zh": "黄金客户", "en": "Gold"},
    "iron": {"zh": "铁客户", "en": "Iron"},
    "lead": {"zh": "铅客户", "en": "Lead"},
}

#: MICOM verdicts (survey.analysis.comparison.Micom.verdict) and CB-SEM's metric invariance.
INVARIANCE: dict[str, dict[str, str]] = {
    "full": {"zh": "完全不变", "en": "full"},
    "partial": {"zh": "部分不变（构成相同，均值或方差不同）",
                "en": "partial (built alike; means or variances differ)"},
    "no": {"zh": "不成立", "en": "not established"},
    "metric_holds": {"zh": "度量不变性成立（载荷相等）", "en": "metric invariance holds (equal loadings)"},
    "metric_fails": {"zh": "度量不变性不成立（载荷不等）", "en": "metric invariance rejected (loadings differ)"},
    "scalar_holds": {"zh": "度量与标量不变性均成立（载荷与截距相等）",
                     "en": "metric and scalar invariance hold (equal loadings and intercepts)"},
    "scalar_fails": {"zh": "度量不变性成立；标量不变性不成立（截距不等）",
                     "en": "metric invariance holds; scalar invariance rejected (intercepts differ)"},
    "untested": {"zh": "未检验", "en": "not tested"},
}

#: The CB-SEM invariance steps tested by likelihood ratio (survey.analysis.cbsem_groups).
INVARIANCE_STEPS: dict[str, dict[str, str]] = {
    "metric": {"zh": "度量", "en": "metric"},
    "scalar": {"zh": "标量", "en": "scalar"},
    "paths_equal": {"zh": "全部路径相等", "en": "all paths equal"},
}

#: Kinds of the parameters compared between levels.
PARAMETER_KINDS: dict[str, dict[str, str]] = {
    "path": {"zh": "路径", "en": "path"},
    "index": {"zh": "指数", "en": "index"},
    "loading": {"zh": "载荷", "en": "loading"},
}

#: Method notes of the analyses.
ANALYSIS_NOTES: dict[str, dict[str, str]] = {
    "scores": {
        "zh": "驱动因素、五种方法、满意度比率、测评指标、细分群体与指数精度均基于 {name} 估计的指数权重计算的受访者 "
              "0-100 得分；其均值即记分卡上的指数。得分中的缺失回答：{missing}。",
        "en": "Drivers, the classic methods, the satisfaction ratio, the gauges, the segments "
              "and the precision all use respondents' 0-100 scores computed with the index "
              "weights of the {name} estimate; their means are the scorecard's indices. Missing "
              "answers in the scores: {missing}."},
    "ipma": {
        "zh": "IPMA 的重要性为 0-100 得分上的非标准化总效应：各内生潜变量得分对其前因得分做（加权）最小二乘回归，总效应 "
              "T = (I − B)⁻¹ − I（Ringle & Sarstedt 2016）。",
        "en": "IPMA importance is the unstandardized total effect on the 0-100 scores: each "
              "endogenous construct's score regressed (weighted OLS) on its predecessors' "
              "scores, total effects T = (I − B)⁻¹ − I (Ringle & Sarstedt 2016)."},
    "segments": {
        "zh": "细分群体：每组以与全体相同的设置单独估计；组间差异用置换检验（分组标签随机置换，两组重新估计），"
              "p 值按各参数在所有分组对之间做 Holm 校正；比较前先做 MICOM 测量不变性检验（Henseler 等 2016）。",
        "en": "Segments: each level estimated on its own with the settings of the whole "
              "sample; differences tested by permutation (group labels permuted, both "
              "groups re-estimated), p-values Holm-adjusted over the pairs of levels for each "
              "parameter; MICOM measurement invariance assessed first (Henseler et al. 2016)."},
    "segments_cbsem": {
        "zh": "细分群体：每组以与全体相同的设置单独估计；路径差异在等载荷的双组最大似然模型内以似然比检验（该路径两组相等 "
              "对 自由），p 值按各参数在所有分组对之间做 Holm 校正；先以似然比检验度量与标量不变性。",
        "en": "Segments: each level estimated on its own with the settings of the whole "
              "sample; path differences tested by likelihood ratio inside the two-group "
              "equal-loadings ML model (the path held equal against free), p-values "
              "Holm-adjusted over the pairs of levels for each parameter; metric and scalar "
              "invariance tested first, by likelihood ratio."},
    "precision_taylor": {"zh": "加权均值的 Taylor 线性化（svy）", "en": "Taylor linearisation of the weighted mean (svy)"},
    "precision_taylor_stratified": {"zh": "分层加权均值的 Taylor 线性化（svy）",
                                    "en": "Taylor linearisation of the weighted mean, stratified (svy)"},
    # Analyses the model cannot have (survey.analysis.suite.skipped_analyses), by reason code.
    "skipped_no_paths": {
        "zh": "未进行：{analyses}。它们按对目标变量的效应为驱动因素排序，而测量模型（验证性因子分析）没有路径。",
        "en": "Not run: {analyses}. They rank the drivers of the target by their effects on "
              "it, and a measurement model (confirmatory factor analysis) has no paths."},
    "skipped_no_target": {
        "zh": "未进行：{analyses}。模型未指定目标变量，问卷也未指定总体满意度题目（gauges.overall）。",
        "en": "Not run: {analyses}. The model names no target construct and the questionnaire "
              "no overall satisfaction item (gauges.overall)."},
}

# --------------------------------------------------------------------------- tracking report
# The report of a tracking study (survey.tracking.Tracking, rendered by
# survey.report.tracking): trends across waves, wave over wave, and whether last wave's
# improvement plan worked (SOURCE.md §3).

# The rule that calls a change significant (survey.analysis.waves.CHANGE_RULE), in words.
_ALPHA = f"{CHANGE_RULE.alpha:g}"
_LEVEL = f"{CHANGE_RULE.level:.0%}"
_TAILS = (f"{100 * CHANGE_RULE.alpha / 2:g}", f"{100 * (1 - CHANGE_RULE.alpha / 2):g}")
_RULE_ZH = f"p < {_ALPHA} 且变化的 {_LEVEL} 置信区间不含 0 为显著；两者不一致时为“无法定论”"
_RULE_EN = (f"significant when p < {_ALPHA} and the {_LEVEL} interval of the change excludes 0; "
            "“not conclusive” when the two disagree")

#: Labels of the tracking report (merged with UI: no key may clash).
TRACKING_UI: dict[str, dict[str, str]] = {
    "tracking_report": {"zh": "跟踪研究报告", "en": "Tracking report"},
    "run_summary": {"zh": "运行概况", "en": "Run summary"},
    "study": {"zh": "研究", "en": "Study"},
    "waves": {"zh": "调查轮次", "en": "Waves"},
    "groups": {"zh": "分组", "en": "Groups"},
    "brand": {"zh": "品牌", "en": "Brand"},
    "whole_sample": {"zh": "全部受访者", "en": "All respondents"},
    "cells": {"zh": "估计单元", "en": "Cells"},
    "cells_text": {"zh": "共 {total} 个单元：{ok} 个估计成功，{failed} 个失败",
                   "en": "{total} cells: {ok} estimated, {failed} failed"},
    "resamples_label": {"zh": "Bootstrap 重抽样", "en": "Bootstrap resamples"},
    "permutations_label": {"zh": "置换检验次数", "en": "Permutations"},
    "seed": {"zh": "随机种子", "en": "Seed"},
    "intervals": {"zh": "区间估计", "en": "Intervals"},
    "latest": {"zh": "{target}（{wave}）", "en": "{target} ({wave})"},
    "vs_wave": {"zh": "较 {wave} {change}", "en": "{change} vs {wave}"},
    "texec_index": {"zh": "{wave}：{target}指数为 {value} 分（满分 100）",
                    "en": "{wave}: the {target} index is {value} out of 100"},
    "texec_interval": {"zh": "，95% 置信区间 {low}–{high}。", "en": " (95% interval {low}–{high})."},
    "texec_rise": {"zh": "比 {wave} 显著上升 {change} 分。",
                   "en": "A significant rise of {change} points since {wave}."},
    "texec_fall": {"zh": "比 {wave} 显著下降 {change} 分。",
                   "en": "A significant fall of {change} points since {wave}."},
    "texec_flat": {"zh": "与 {wave} 相比变化 {change} 分，不显著。",
                   "en": "{change} points since {wave}: not a significant change."},
    "texec_inconclusive": {"zh": "与 {wave} 相比变化 {change} 分，无法定论（p 值与置信区间结论不一致）。",
                           "en": "{change} points since {wave}: not conclusive (the p-value and "
                                 "the interval disagree)."},
    "texec_not_comparable": {"zh": "与 {wave} 不可比：两期测量不等价（见测量不变性）。",
                             "en": "Not comparable with {wave}: the two waves do not measure "
                                   "it the same way (see measurement invariance)."},
    "texec_act": {"zh": "{wave} 优先改进：{names}。", "en": "Improve first ({wave}): {names}."},
    "texec_failed": {"zh": "{n} 个单元无法估计：{cells}。",
                     "en": "{n} cell(s) could not be estimated: {cells}."},
    "texec_inadmissible": {"zh": "{cell}：解不可接受（方差为负或协方差矩阵非正定），其结果需谨慎解读。",
                           "en": "{cell}: the solution is inadmissible (a negative variance or a "
                                 "covariance matrix that is not positive definite); read it "
                                 "with care."},
    "trends": {"zh": "指数趋势", "en": "Trends"},
    "trends_intro": {
        "zh": "每个小图为一个潜变量的 0-100 指数，每条线为一个{by}；误差线为各轮各自的{ci}。两轮之间变化显著"
              f"（{_RULE_ZH}）且可比的线段为粗实线，其余为细虚线。所有小图纵轴刻度相同。",
        "en": "Each panel is one construct's 0-100 index, one line per {by}; error bars are each "
              "wave's own {ci}. A step whose change is significant "
              f"({_RULE_EN}) and comparable is drawn thick and solid, the others thin and "
              "dashed. All panels share one vertical scale."},
    "scheme_text": {"zh": "{scheme}加权方案", "en": "{scheme} weighting scheme"},
    "trend_table": {"zh": "各轮指数 [95% 置信区间]", "en": "Indices by wave [95% CI]"},
    "n_respondents": {"zh": "样本量 n", "en": "Respondents (n)"},
    "cell_failed": {"zh": "估计失败", "en": "failed"},
    "cell_missing": {"zh": "无数据", "en": "no data"},
    "wave_over_wave": {"zh": "逐轮变化", "en": "Wave over wave"},
    "wave_over_wave_intro": {
        "zh": "变化 = 后一轮 − 前一轮。变化的置信区间来自两轮各自独立的 bootstrap，p 值来自置换检验；"
              f"{_RULE_ZH}。▲ 显著上升、▼ 显著下降。指数按变化幅度从大到小排列。",
        "en": "Change = later wave − earlier wave. The interval of a change comes from the two "
              "waves' independent bootstraps, its p-value from a permutation test; "
              f"{_RULE_EN}. ▲ significant rise, ▼ significant fall. Indices are listed by the "
              "size of their change, the biggest movers first."},
    "step_title": {"zh": "{group}：{wave_from} → {wave_to}", "en": "{group}: {wave_from} → {wave_to}"},
    "index_changes": {"zh": "指数变化", "en": "Index changes"},
    "path_col": {"zh": "路径", "en": "Path"},
    "driver_col": {"zh": "驱动因素", "en": "Driver"},
    "path_changes": {"zh": "路径系数变化", "en": "Path changes"},
    "change": {"zh": "变化", "en": "Change"},
    "change_ci": {"zh": f"变化的 {_LEVEL} 置信区间", "en": f"{_LEVEL} CI of the change"},
    "change_axis": {"zh": f"指数变化（{{wave_from}} → {{wave_to}}）及 {_LEVEL} 置信区间",
                    "en": f"Change of the index ({{wave_from}} → {{wave_to}}) with {_LEVEL} CI"},
    "significance_significant": {"zh": "是", "en": "yes"},
    "significance_not_significant": {"zh": "否", "en": "no"},
    "significance_inconclusive": {"zh": "无法定论", "en": "not conclusive"},
    "significance_untested": {"zh": "–", "en": "–"},
    "inconclusive_title": {"zh": "p 值与置信区间结论不一致", "en": "the p-value and the interval disagree"},
    "inconclusive_list": {"zh": "无法定论（p 值与置信区间结论不一致）：{items}。",
                          "en": "Not conclusive (the p-value and the interval disagree): {items}."},
    "significance_rule_label": {"zh": "显著变化", "en": "Significant change"},
    "significance_rule_text": {"zh": _RULE_ZH, "en": _RULE_EN},
    "minimum_n_label": {"zh": "每个单元的最小样本量", "en": "Smallest cell estimated"},
    "minimum_n_text": {"zh": "{n} 位受访者（更少的单元不做估计）",
                       "en": "{n} respondents (smaller cells are not estimated)"},
    "small_sample": {"zh": "样本量偏小", "en": "small sample"},
    "significant": {"zh": "显著", "en": "Significant"},
    "comparable_col": {"zh": "可比", "en": "Comparable"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "rise": {"zh": "显著上升", "en": "significant rise"},
    "fall": {"zh": "显著下降", "en": "significant fall"},
    "not_comparable_short": {"zh": "不可比", "en": "not comparable"},
    "rises_list": {"zh": "显著上升：{items}。", "en": "Significant rises: {items}."},
    "falls_list": {"zh": "显著下降：{items}。", "en": "Significant falls: {items}."},
    "no_significant_change": {"zh": "没有可比的指数发生显著变化。",
                              "en": "No comparable index changed significantly."},
    "not_comparable_list": {"zh": "不可比（测量不变性不成立）：{items}。",
                            "en": "Not comparable (no measurement invariance): {items}."},
    "moved_paths_only": {"zh": "只列出变化显著或无法定论的路径。",
                         "en": "Only the paths whose change is significant or not conclusive "
                               "are listed."},
    "no_significant_paths": {"zh": "没有路径系数发生显著变化。", "en": "No path changed significantly."},
    "all_paths": {"zh": "全部路径（{n} 条）", "en": "All paths ({n})"},
    "micom_label": {"zh": "测量不变性（MICOM）：", "en": "Measurement invariance (MICOM): "},
    "micom_fails_title": {"zh": "测量不变性不成立：{names}", "en": "Measurement invariance fails: {names}"},
    "micom_fails_text": {
        "zh": "在 {wave_from} 与 {wave_to} 两轮中，{names}由各题目构成的方式不同：受访者对这些题目的理解可能已经"
              "改变。因此这些指数（以及进出它们的路径）的变化可能反映的是对题目的理解不同，而不是满意度的真实变化。"
              "下表中它们标为“不可比”，不应据此下结论。",
        "en": "In {wave_from} and {wave_to} the constructs {names} are built differently from "
              "their questions: respondents may have understood these questions differently in "
              "the two waves. A change in these indices (and in the paths into and out of them) "
              "may reflect how the questions were understood, not a real change in "
              "satisfaction. They are marked “not comparable” below; do not draw conclusions "
              "from them."},
    "micom_details": {"zh": "各潜变量的 MICOM 结果", "en": "MICOM by construct"},
    "c_value": {"zh": "相关 c", "en": "Correlation c"},
    "c_quantile": {"zh": "c 的 5% 分位数", "en": "5% quantile of c"},
    "compositional": {"zh": "构成不变", "en": "Compositional invariance"},
    "mean_difference": {"zh": "均值差", "en": "Mean difference"},
    "equal_means": {"zh": "均值相等", "en": "Equal means"},
    "variance_ratio": {"zh": "对数方差比", "en": "Log variance ratio"},
    "equal_variances": {"zh": "方差相等", "en": "Equal variances"},
    "invariance_col": {"zh": "不变性", "en": "Invariance"},
    "step_note": {"zh": "说明：{note}", "en": "Note: {note}"},
    "not_compared": {"zh": "{group}：{wave_from} → {wave_to} 未比较：至少有一轮没有估计结果。",
                     "en": "{group}: {wave_from} → {wave_to} not compared: at least one of the "
                           "two waves has no estimate."},
    "no_steps": {"zh": "没有可比较的相邻两轮。", "en": "There are no two consecutive waves to compare."},
    "improvement": {"zh": "改进是否见效？", "en": "Did the improvement work?"},
    "improvement_intro": {
        "zh": "上一轮 IPMA 中落在“重点改进区”（对{target}重要性高于平均、表现低于平均）的驱动因素，在下一轮表现如何。"
              "改善／变差：表现（0-100 指数）的变化按上文同一规则显著上升／下降；p 值与置信区间不一致为无法定论；"
              "否则为无明显变化。",
        "en": "The drivers last wave's IPMA put in the improve-first area (importance to "
              "{target} above average, performance below average), and how they did in the next "
              "wave. Improved / worse: the change in performance (the 0-100 index) is a "
              "significant rise / fall by the same rule as above; not conclusive when the "
              "p-value and the interval disagree; otherwise no clear change."},
    "importance_in": {"zh": "{wave} 重要性", "en": "Importance in {wave}"},
    "performance_in": {"zh": "{wave} 表现", "en": "Performance in {wave}"},
    "verdict_col": {"zh": "结论", "en": "Verdict"},
    "improvement_none": {"zh": "{group}：{wave_from} 没有驱动因素落在重点改进区，无需检验。",
                         "en": "{group}: no driver was in the improve-first area in {wave_from}: "
                               "nothing to check."},
    "improvement_no_ipma": {"zh": "{group}：没有 {wave_from} 的 IPMA（仅 PLS 估计提供），无法检验。",
                            "en": "{group}: there is no IPMA of {wave_from} (PLS estimates only): "
                                  "nothing to check."},
    "improved_all": {"zh": "{group}：{wave_from} 列为重点改进的 {n} 个驱动因素到 {wave_to} 全部明显改善：{names}。",
                     "en": "{group}: all {n} drivers flagged “improve first” in {wave_from} "
                           "clearly improved by {wave_to}: {names}."},
    "improved_some": {"zh": "{group}：{wave_from} 列为重点改进的 {n} 个驱动因素中，{k} 个到 {wave_to} 明显改善：{names}。",
                      "en": "{group}: {k} of the {n} drivers flagged “improve first” in "
                            "{wave_from} clearly improved by {wave_to}: {names}."},
    "improved_one": {"zh": "{group}：{wave_from} 唯一列为重点改进的驱动因素到 {wave_to} 明显改善：{names}。",
                     "en": "{group}: the one driver flagged “improve first” in {wave_from} "
                           "clearly improved by {wave_to}: {names}."},
    "improved_not_one": {"zh": "{group}：{wave_from} 唯一列为重点改进的驱动因素到 {wave_to} 未明显改善。",
                         "en": "{group}: the one driver flagged “improve first” in {wave_from} "
                               "did not clearly improve by {wave_to}."},
    "improved_none": {"zh": "{group}：{wave_from} 列为重点改进的 {n} 个驱动因素到 {wave_to} 均未明显改善。",
                      "en": "{group}: none of the {n} drivers flagged “improve first” in "
                            "{wave_from} clearly improved by {wave_to}."},
    "still_flat": {"zh": "无明显变化：{names}。", "en": "No clear change: {names}."},
    "got_worse": {"zh": "变差：{names}。", "en": "Worse: {names}."},
    "cannot_tell": {"zh": "无法判断（未做检验）：{names}。", "en": "Cannot tell (not tested): {names}."},
    "still_unsure": {"zh": "无法定论（p 值与置信区间结论不一致）：{names}。",
                     "en": "Not conclusive (the p-value and the interval disagree): {names}."},
    "improvement_not_comparable": {
        "zh": "注意：{names}在两轮之间不可比（测量不变性不成立），其变化可能反映的是对题目的理解不同。",
        "en": "Caution: {names} cannot be compared between the waves (no measurement "
              "invariance); the change may reflect how the questions were understood."},
    "failed_cells": {"zh": "估计失败的单元", "en": "Failed cells"},
    "failed_intro": {"zh": "以下单元未能估计；其余单元不受影响，涉及它们的逐轮比较未进行。",
                     "en": "These cells could not be estimated. The other cells are not "
                           "affected; the wave comparisons involving them were not made."},
    "no_failed_cells": {"zh": "所有单元均估计成功。", "en": "Every cell was estimated."},
    "cell_col": {"zh": "单元", "en": "Cell"},
    "error_col": {"zh": "错误", "en": "Error"},
    "cell_warnings": {"zh": "各单元估计的提示（{n} 条）", "en": "Warnings of the cells' estimates ({n})"},
}

#: What happened to a driver flagged "improve first" (survey.analysis.waves.ImprovementCheck).
IMPROVEMENT_VERDICTS: dict[str, dict[str, str]] = {
    "improved": {"zh": "改善", "en": "Improved"},
    "no_clear_change": {"zh": "无明显变化", "en": "No clear change"},
    "worse": {"zh": "变差", "en": "Worse"},
    "inconclusive": {"zh": "无法定论", "en": "Not conclusive"},
    "no_interval": {"zh": "无法判断（未做检验）", "en": "Cannot tell (not tested)"},
}

#: Method notes of the tracking report.
TRACKING_NOTES: dict[str, dict[str, str]] = {
    "cells": {
        "zh": "每个单元（轮次 × {by}）用相同设置单独估计：{method}。每个单元的随机种子由运行种子 {seed} 与单元名称导出，"
              "因此结果与并行方式（工作进程数、集群）无关。",
        "en": "Each cell (wave × {by}) is estimated on its own with the same settings: {method}. "
              "Each cell's random seed derives from the run's seed {seed} and the cell's name, "
              "so the numbers do not depend on how the run was parallelised."},
    "change_ci": {
        "zh": "指数变化的置信区间：两轮为相互独立的样本，各自做 {resamples} 次 bootstrap；前一轮的第 k 次重抽样与后一轮的"
              f"第 k 次配对即为差值的一次重抽样，差值的 {_TAILS[0]}% 与 {_TAILS[1]}% 分位数构成变化的 {_LEVEL} "
              "百分位区间。",
        "en": "Interval of a change: the two waves are independent samples, each bootstrapped "
              "{resamples} times; resample k of the earlier wave paired with resample k of the "
              f"later one is a resample of the difference, and the {_TAILS[0]} % and "
              f"{_TAILS[1]} % quantiles of the differences are the {_LEVEL} percentile interval "
              "of the change."},
    "p_value": {
        "zh": "p 值：置换检验（{permutations} 次）——在同一{by}两轮的受访者之间随机打乱轮次标签，两轮重新估计；"
              "p = (1 + 置换差值绝对值不小于观测差值的次数) / (1 + 置换次数)。"
              f"判定规则：p < {_ALPHA} 且变化的 {_LEVEL} 置信区间不含 0 为显著；p ≥ {_ALPHA} 且区间含 0 为不显著；"
              "两者不一致为“无法定论”，两者都列出。只有其中之一时（未做置换检验或未做 bootstrap），以该项判断。",
        "en": "p-values: permutation test ({permutations} permutations): the wave labels are "
              "shuffled among the respondents of the two waves of the same {by} and both waves "
              "re-estimated; p = (1 + number of permuted differences at least as large in "
              "absolute value as the observed one) / (1 + permutations). The rule: significant "
              f"when p < {_ALPHA} and the {_LEVEL} interval of the change excludes 0; not "
              f"significant when p ≥ {_ALPHA} and the interval includes 0; “not conclusive” "
              "when the two disagree (both are shown). With only one of them (no permutations, "
              "or no bootstrap), that one decides."},
    "micom": {
        "zh": "测量不变性按 MICOM 检验（Henseler、Ringle & Sarstedt 2016）：第一步（构型不变）由相同的模型、设置与数据处理"
              "保证；第二步比较以两轮各自权重构成的得分之间的相关 c 与其置换分布的 5% 分位数（构成不变）；第三步比较"
              "两轮得分的均值与方差。构成不变不成立的潜变量，其指数与进出它的路径不可比。",
        "en": "Measurement invariance by MICOM (Henseler, Ringle & Sarstedt 2016): step 1 "
              "(configural) holds by the same model, settings and data treatment; step 2 "
              "compares the correlation c of the scores built with each wave's weights with "
              "the 5 % quantile of its permutation distribution (compositional invariance); "
              "step 3 compares the scores' means and variances. Where compositional invariance "
              "fails, the construct's index and the paths into and out of it are not "
              "comparable."},
    "improvement": {
        "zh": "改进检验：前一轮 IPMA（目标为{target}）中落在重点改进区的潜变量与维度；表现为其 0-100 指数，其变化的"
              "区间、p 值与判定规则同上。",
        "en": "Improvement check: the constructs and dimensions in the improve-first area of "
              "the earlier wave's IPMA of {target}; performance is their 0-100 index, and its "
              "change has the interval, p-value and rule above."},
    "multiple": {
        "zh": f"每次比较检验了许多指数与路径：即使没有任何真实变化，约 {100 * CHANGE_RULE.alpha:g}% 的检验也会偶然"
              "显著，MICOM 的每个潜变量同样如此。请把单个勉强显著的结果当作需要下一轮确认的线索。",
        "en": "Each comparison tests many indices and paths: even with no real change, about "
              f"{100 * CHANGE_RULE.alpha:g} % of the tests come out significant by chance, and so "
              "does MICOM for each construct. Treat a single, barely significant result as a "
              "lead for the next wave to confirm."},
}


# --------------------------------------------------------------------------- mediation
# The mediation section (survey.analysis.mediation): every specific indirect effect.

#: Labels, readings and notes of the mediation section.
MEDIATION_UI: dict[str, dict[str, str]] = {
    "title": {"zh": "中介效应", "en": "Mediation"},
    "intro": {
        "zh": "每一条从原因经一个或多个中介变量到结果的路径链，各自的间接效应为链上路径系数之积；"
              "类型按 Zhao、Lynch & Chen（2010）的分类，将每个间接效应与原因到结果的直接路径对照。",
        "en": "Each chain from a cause through one or more mediators to an effect, separately: "
              "its indirect effect is the product of the path coefficients along the chain; "
              "its type follows Zhao, Lynch & Chen (2010), comparing the indirect effect with "
              "the cause's direct path on the effect."},
    "chain": {"zh": "路径链", "en": "Chain"},
    "indirect": {"zh": "间接效应", "en": "Indirect effect"},
    "std_estimate": {"zh": "标准化", "en": "Standardized"},
    "direct": {"zh": "直接效应", "en": "Direct effect"},
    "type": {"zh": "类型", "en": "Type"},
    "no_direct_path": {"zh": "无直接路径", "en": "no direct path"},
    "delta": {"zh": "delta 方法（Sobel）", "en": "delta method (Sobel)"},
    "rule": {"zh": "显著的判定：{ci}不含 0（间接效应与直接效应同一规则）。",
             "en": "Significant: the {ci} excludes 0 (the same rule for the indirect and the "
                   "direct effect)."},
    "p_bootstrap": {"zh": "p 值：估计值 / bootstrap 标准误，双侧检验，自由度 {df} 的 Student t 分布。",
                    "en": "p-values: estimate / bootstrap SE, two-sided, Student t with {df} "
                          "df."},
    "p_delta": {"zh": "p 值：估计值 / delta 方法标准误（Sobel z），双侧检验，标准正态分布。",
                "en": "p-values: estimate / delta-method SE (Sobel's z), two-sided, standard "
                      "normal."},
    "delta_note": {
        "zh": "CB-SEM 未做 bootstrap：间接效应的标准误由一阶 delta 方法（Sobel 检验）得出，并视各路径估计"
              "互不相关；间接效应的抽样分布是偏斜的，对称区间不能反映这一点，bootstrap 区间更可靠。",
        "en": "CB-SEM was not bootstrapped: the indirect effects' standard errors come from the "
              "first-order delta method (Sobel's test), treating the path estimates as "
              "uncorrelated; an indirect effect's sampling distribution is skewed, which a "
              "symmetric interval ignores and a bootstrap interval follows."},
    "cbsem_metric": {
        "zh": "CB-SEM：间接效应、直接效应及其区间为未标准化估计值之积（推断所依据的尺度）；“标准化”列为标准化路径之积。",
        "en": "CB-SEM: the indirect and direct effects and their intervals are in the "
              "unstandardized metric (the one the inference is on); the standardized column "
              "is the product of the standardized paths."},
    "reading": {"zh": "{n} 个间接效应中有 {sig} 个显著。",
                "en": "{sig} of {n} indirect effects are significant."},
    "reading_largest": {"zh": "对{target}最大的是 {chain}（{value}，{type}）。",
                        "en": "The largest on {target}: {chain} ({value}, {type})."},
    "reading_none": {"zh": "{n} 个间接效应均不显著。",
                     "en": "None of the {n} indirect effects is significant."},
    "withheld_no_bootstrap": {
        "zh": "未做 bootstrap：只列出点估计，不报告置信区间、p 值与中介类型（估计时加 --bootstrap 1000）。",
        "en": "Not bootstrapped: point estimates only, with no intervals, p-values or "
              "mediation types (estimate with --bootstrap 1000)."},
    "withheld_bootstrap_unusable": {
        "zh": "可用的 bootstrap 重抽样太少，无法推断：只列出点估计，不报告置信区间、p 值与中介类型。",
        "en": "Too few usable bootstrap resamples to carry inference: point estimates only, "
              "with no intervals, p-values or mediation types."},
    "withheld_no_inference": {
        "zh": "该估计没有标准误：只列出点估计，不报告置信区间、p 值与中介类型。",
        "en": "The estimate has no standard errors: point estimates only, with no intervals, "
              "p-values or mediation types."},
}

#: The mediation types (survey.analysis.mediation.TYPES), in plain words.
MEDIATION_TYPES: dict[str, dict[str, str]] = {
    "full": {"zh": "完全中介", "en": "Full mediation (indirect only)"},
    "complementary": {"zh": "部分中介（互补）", "en": "Partial mediation, complementary"},
    "competitive": {"zh": "部分中介（竞争）", "en": "Partial mediation, competitive"},
    "direct_only": {"zh": "无中介（仅直接效应）", "en": "No mediation (direct effect only)"},
    "no_effect": {"zh": "无中介（无效应）", "en": "No mediation (no effect)"},
    "indirect_only_by_design": {"zh": "仅间接效应（模型中无直接路径）",
                                "en": "Indirect only, by design"},
    "no_effect_by_design": {"zh": "无中介（模型中无直接路径）",
                            "en": "No mediation, no direct path by design"},
    "untested": {"zh": "未检验", "en": "Not tested"},
}

#: What each mediation type means (Zhao, Lynch & Chen 2010), for the legend under the table.
MEDIATION_TYPE_RULES: dict[str, dict[str, str]] = {
    "full": {"zh": "间接效应显著，直接效应不显著。",
             "en": "The indirect effect is significant, the direct effect is not."},
    "complementary": {"zh": "间接效应与直接效应都显著，且方向相同。",
                      "en": "The indirect and the direct effect are both significant, with the "
                            "same sign."},
    "competitive": {"zh": "间接效应与直接效应都显著，但方向相反：经中介的部分抵消了直接效应。",
                    "en": "The indirect and the direct effect are both significant, with "
                          "opposite signs: the mediated part works against the direct one."},
    "direct_only": {"zh": "只有直接效应显著。", "en": "Only the direct effect is significant."},
    "no_effect": {"zh": "间接效应与直接效应都不显著。",
                  "en": "Neither the indirect nor the direct effect is significant."},
    "indirect_only_by_design": {
        "zh": "模型中原因到结果没有直接路径，直接效应未经检验；间接效应显著。",
        "en": "The model has no direct path from the cause to the effect, so no direct effect "
              "was tested; the indirect effect is significant."},
    "no_effect_by_design": {
        "zh": "模型中原因到结果没有直接路径；间接效应不显著。",
        "en": "The model has no direct path from the cause to the effect; the indirect effect "
              "is not significant."},
    "untested": {"zh": "没有推断，无法判断显著性。",
                 "en": "Without inference, significance cannot be judged."},
}


# --------------------------------------------------------------------------- model comparison
# The model-comparison section (survey.analysis.model_selection): competing models side by side.

#: Labels, readings and notes of the model-comparison section.
MODEL_COMPARISON_UI: dict[str, dict[str, str]] = {
    "title": {"zh": "模型比较", "en": "Model comparison"},
    "intro_pls": {
        "zh": "几个备选路径模型在同一批受访者上分别用 PLS 估计，并就{target}的结构方程比较：BIC 与 "
              "Geweke-Meese（GM）准则（Sharma 等 2019）兼顾解释力与简约，值越低越好；权重是各模型"
              "为最佳模型的相对可能性（BIC 权重即等先验下的后验概率）。",
        "en": "Competing path models, each estimated by PLS on the same respondents, compared "
              "on the equation of {target}: the BIC and Geweke-Meese (GM) criteria (Sharma et "
              "al. 2019) weigh explanatory power against parsimony, and the lowest value wins; "
              "the weights are each model's relative likelihood of being the best (for BIC, "
              "the posterior probability under equal priors)."},
    "intro_cbsem": {
        "zh": "几个备选模型在同一批受访者上分别用 CB-SEM（极大似然）估计：AIC 与 BIC 值越低越好"
              "（lavaan 的口径：-2 logL + 惩罚项）；嵌套模型另做似然比（卡方差）检验，p 值小说明"
              "受限模型的约束与数据不符。",
        "en": "Competing models, each estimated by CB-SEM (maximum likelihood) on the same "
              "respondents: the lowest AIC and BIC win (lavaan's convention, -2 logL plus a "
              "penalty); nested models also get the likelihood-ratio (chi-square difference) "
              "test, where a small p says the restricted model's constraints do not fit the "
              "data."},
    "model": {"zh": "模型", "en": "Model"},
    "n": {"zh": "样本量", "en": "n"},
    "r2": {"zh": "{target}的 R²", "en": "R² of {target}"},
    "predictors": {"zh": "前因数", "en": "Predictors"},
    "bic": {"zh": "BIC", "en": "BIC"},
    "gm": {"zh": "GM", "en": "GM"},
    "aic": {"zh": "AIC", "en": "AIC"},
    "bic_weight": {"zh": "BIC 权重", "en": "BIC weight"},
    "gm_weight": {"zh": "GM 权重", "en": "GM weight"},
    "aic_weight": {"zh": "AIC 权重", "en": "AIC weight"},
    "chi2": {"zh": "χ²", "en": "χ²"},
    "df": {"zh": "自由度", "en": "df"},
    "against": {"zh": "对照模型", "en": "Tested against"},
    "chi2_diff": {"zh": "Δχ²", "en": "Δχ²"},
    "df_diff": {"zh": "Δ自由度", "en": "Δdf"},
    "p": {"zh": "p 值", "en": "p"},
    "best": {"zh": "最佳", "en": "best"},
    "selected": {"zh": "按 {criterion}，最佳模型为“{model}”。",
                 "en": "By {criterion}, the best model is “{model}”."},
    "no_winner": {"zh": "按 {criterion}，没有唯一的最佳模型（有模型缺少该值，或数值相同）。",
                  "en": "By {criterion}, no single model is best (a model lacks the value, or "
                        "models tie)."},
    "sample": {
        "zh": "共 {n_total} 名受访者，{n_used} 名用于比较（{rule}）{dropped}。",
        "en": "{n_used} of {n_total} respondents used for every model ({rule}){dropped}."},
    "dropped": {"zh": "，{n} 名未用", "en": "; {n} left out"},
    "rule_listwise_union": {"zh": "逐个删除：所有模型用到的题目都作答的受访者",
                            "en": "listwise: those who answered every item of every model"},
    "rule_fiml_answered": {"zh": "FIML：对每个模型的题目至少作答一题的受访者",
                           "en": "FIML: those with at least one answer to each model's items"},
    "rule_mean_all": {"zh": "均值替代：全部受访者", "en": "mean replacement: everyone"},
    "formula_pls": {
        "zh": "SSE = (1 − R²)(n − 1)，p = 前因数 + 1；BIC = n·ln(SSE/n) + p·ln n；GM = SSE/S² + p·ln n，"
              "S² = 1 − R²（全模型：所有比较模型路径的并集，其{target} R² = {r2_full}）。",
        "en": "SSE = (1 − R²)(n − 1), p = predictors + 1; BIC = n ln(SSE/n) + p ln n; "
              "GM = SSE/S² + p ln n with S² = 1 − R² of the full model (every path of the "
              "compared models; its R² of {target} = {r2_full})."},
    "formula_cbsem": {
        "zh": "AIC = −2 logL + 2q，BIC = −2 logL + q·ln N（q 为自由参数个数，logL 为正态对数似然，"
              "同 lavaan；semopy 的 calc_stats 以其目标函数代替 logL，不用）。Δχ² = χ²(受限) − "
              "χ²(一般)，模型按自由度从少到多排列，每个模型与其嵌套于其中的最近模型比较。",
        "en": "AIC = −2 logL + 2q, BIC = −2 logL + q ln N (q free parameters, logL the normal "
              "log-likelihood, as lavaan; semopy's calc_stats puts its objective in place of "
              "logL and is not used). Δχ² = χ² restricted − χ² general; the models are listed "
              "by df, fewest first, and each is tested against the closest model above it "
              "that it is nested in."},
    "scaled": {
        "zh": "估计使用了个案权重（稳健标准误，Yuan-Bentler 校正卡方）：Δχ² 为 Satorra-Bentler（2001）"
              "校正卡方差 T = Δχ²/c_d，c_d = (df₀c₀ − df₁c₁)/Δdf。",
        "en": "The estimates are weighted (robust SEs, the Yuan-Bentler scaled chi-square): "
              "Δχ² is Satorra & Bentler's (2001) scaled difference T = Δχ²/c_d, "
              "c_d = (df₀c₀ − df₁c₁)/Δdf."},
    "weights_note": {
        "zh": "权重 = exp(−Δ/2) / Σ exp(−Δ/2)，Δ 为与最低值之差（Wagenmakers & Farrell 2004）。",
        "en": "Weight = exp(−Δ/2) / Σ exp(−Δ/2), Δ the distance to the lowest value "
              "(Wagenmakers & Farrell 2004)."},
    "not_converged_warning": {"zh": "“{model}”：{text}", "en": "“{model}”: {text}"},
    "excluded": {"zh": "“{model}”未参与比较：{reason}", "en": "“{model}” was not compared: "
                                                               "{reason}"},
    "study_model": {"zh": "本研究模型", "en": "the study's model"},
    "inadmissible": {"zh": "“{model}”的解不可接受（见下列警告）：其准则与检验须谨慎解读。",
                     "en": "“{model}” has an inadmissible solution (warnings below): read its "
                           "criteria and tests with care."},
}

#: Why a model has no criterion or a pair no test (survey.analysis.model_selection.WITHHELD and
#: survey.estimators.nesting.NOT_NESTED), in plain words.
MODEL_COMPARISON_REASONS: dict[str, dict[str, str]] = {
    "not_converged": {"zh": "估计未收敛，不报告准则与检验。",
                      "en": "The estimation did not converge: no criteria, no test."},
    "perfect_fit": {"zh": "R² 为 1，误差为零，准则无定义。",
                    "en": "R² is 1: no error is left, the criteria are undefined."},
    "too_few_respondents": {"zh": "受访者少于前因数 + 2，没有残差自由度，准则无定义。",
                            "en": "Fewer respondents than predictors + 2: no residual degree of "
                                  "freedom, the criteria are undefined."},
    "not_endogenous": {"zh": "目标构念在该模型中没有前因。",
                       "en": "The target has no predictor in this model."},
    "no_full_model": {"zh": "比较模型的路径合在一起成环，没有全模型，GM 无法计算。",
                      "en": "The compared models' paths together form a cycle: there is no "
                            "full model, so no GM."},
    "scaling_not_positive": {"zh": "Satorra-Bentler 校正因子 c_d 不为正，校正检验无定义，不报告 p 值。",
                             "en": "The Satorra-Bentler scaling c_d is not positive: the scaled "
                                   "test is undefined, no p-value."},
    "negative_difference": {"zh": "受限模型的 χ² 明显低于一般模型：有估计未达到最小值，不报告 p 值。",
                            "en": "The restricted model's χ² is clearly below the general "
                                  "one's: a fit did not reach its minimum, no p-value."},
    "items": {"zh": "两模型的观测题目不同，不嵌套：只比较 AIC 与 BIC。",
              "en": "Not nested (different items): compare AIC and BIC only."},
    "frees_fixed": {"zh": "不能证明嵌套（它估计了对照模型固定或没有的参数）：不做检验，只比较 AIC 与 BIC。",
                    "en": "Cannot be shown nested (it frees a parameter the other model fixes "
                          "or leaves out): no test, compare AIC and BIC only."},
    "breaks_equality": {"zh": "不能证明嵌套（它放开了对照模型的等值约束）：不做检验，只比较 AIC 与 BIC。",
                        "en": "Cannot be shown nested (it lifts an equality of the other "
                              "model): no test, compare AIC and BIC only."},
    "same_model": {"zh": "两模型参数空间相同，没有约束可检验。",
                   "en": "The two models have the same parameters: no restriction to test."},
    "more_parameters": {"zh": "它的自由参数不少于对照模型，不能是受限模型：不做检验。",
                        "en": "It has as many free parameters as the other model or more, so "
                              "it cannot be the restricted one: no test."},
    "full_model_cyclic": {"zh": "比较模型的路径合在一起成环：没有全模型，GM 无法计算。",
                          "en": "The compared models' paths together form a cycle: no full "
                                "model, so no GM."},
    # A study run's rivals left out (survey.analysis.model_selection.EXCLUDED) and why.
    "items_missing": {"zh": "数据中没有它的这些题目（列）：",
                      "en": "The data has no column for these of its items:"},
    "other_items": {"zh": "它的观测题目与研究模型不同：CB-SEM 的似然是不同变量的，不可比较。",
                    "en": "Its items differ from the study model's: CB-SEM likelihoods of "
                          "other variables cannot be compared."},
    "target_not_endogenous": {"zh": "目标构念在该模型中没有前因，无法就目标的结构方程比较。",
                              "en": "The target has no predictor in this model, so it cannot "
                                    "be compared on the target's equation."},
    "not_estimated": {"zh": "在比较所用的受访者上估计失败。",
                      "en": "Its estimate failed on the respondents of the comparison."},
    "full_model_not_estimated": {"zh": "全模型（所有比较模型路径的并集）估计失败：GM 无法计算。",
                                 "en": "The full model (every path of the compared models) "
                                       "could not be estimated: no GM."},
    "no_common_respondents": {"zh": "没有受访者对所有比较模型的题目都作答：无从比较。",
                              "en": "No respondent answered the items of every compared "
                                    "model: nothing to compare on."},
    "nothing_compared": {"zh": "没有备选模型可与研究模型比较：不报告准则。",
                         "en": "No rival could be compared with the study's model: no "
                               "criteria."},
}


# --------------------------------------------------------------------------- response quality
# The data-quality section's part on respondents excluded by quality rules (survey.quality,
# survey estimate --exclude-flagged).

#: Labels and sentences of the exclusion table.
QUALITY_UI: dict[str, dict[str, str]] = {
    "title": {"zh": "按回答质量排除的受访者", "en": "Respondents excluded for response quality"},
    "intro": {"zh": "按规则 {rules} 排除了 {checked} 位有效受访者中的 {excluded} 位，"
                    "{used} 位参与估计。标记从不自动生效：仅排除所选规则标记的受访者。",
              "en": "{excluded} of {checked} accepted respondents were excluded by the rules "
                    "{rules}; {used} were used in the estimate. Flags are never applied "
                    "silently: only the rules chosen exclude anyone."},
    "rule": {"zh": "规则", "en": "Rule"},
    "criterion": {"zh": "判定标准", "en": "Criterion"},
    "flagged": {"zh": "标记人数", "en": "Flagged"},
    "share": {"zh": "占比", "en": "Share"},
    "excluded": {"zh": "排除人数", "en": "Excluded"},
    "not_applied": {"zh": "无法应用", "en": "not applicable"},
    "kept": {"zh": "保留（未选择排除）", "en": "kept (not chosen)"},
    "headline": {"zh": "主指数（{name}）：排除后 {with_} 分，不排除为 {without} 分（差值 {diff}）。",
                 "en": "Headline index ({name}): {with_} with the exclusion, {without} without "
                       "it (difference {diff})."},
    "headline_na": {"zh": "主指数（{name}）：排除后 {with_} 分；不排除时的指数无法计算。",
                    "en": "Headline index ({name}): {with_} with the exclusion; without it the "
                          "index could not be computed."},
    "index_without": {"zh": "不排除", "en": "Without exclusion"},
    "index_sheet": {"zh": "排除前后的指数", "en": "Indices with and without"},
    "index_with": {"zh": "排除后", "en": "With exclusion"},
    "note": {"zh": "“不排除”的指数为同一方法在全部有效受访者上的估计（不做 bootstrap）。",
             "en": "The index without the exclusion is the same method's estimate on every "
                   "accepted respondent (without bootstrap)."},
}

#: The quality rules (survey.quality.RULES) by name.
QUALITY_RULES: dict[str, dict[str, str]] = {
    "speeder": {"zh": "答题过快", "en": "Speeders"},
    "straightliner": {"zh": "直线作答", "en": "Straight-liners"},
    "duplicate": {"zh": "疑似重复", "en": "Near-duplicates"},
    "attention": {"zh": "注意力检查未通过", "en": "Failed attention checks"},
    "dont_know": {"zh": "“无法回答”过多", "en": "Too many don't-knows"},
}

#: Each rule's criterion; {v} is its threshold.
QUALITY_CRITERIA: dict[str, dict[str, str]] = {
    "speeder": {"zh": "用时不足中位数的 {v}", "en": "duration under {v} of the median"},
    "straightliner": {"zh": "{v} 的题组内答案全部相同", "en": "identical answers in {v} of the "
                                                        "grids"},
    "duplicate": {"zh": "作答与背景和前面某人完全相同，或 IP / 设备相同",
                  "en": "same answers and profile as an earlier respondent, or same IP / "
                        "device"},
    "attention": {"zh": "注意力检查题答错或未答", "en": "a wrong or blank answer to a check"},
    "dont_know": {"zh": "超过 {v} 的评分题“无法回答”或空白",
                  "en": "don't know or blank on more than {v} of the rated items"},
}


# --------------------------------------------------------------------------- prediction
# The out-of-sample prediction section (survey.analysis.prediction): PLSpredict and CVPAT.

#: Labels, readings and notes of the prediction section.
PREDICTION_UI: dict[str, dict[str, str]] = {
    "title": {"zh": "样本外预测（PLSpredict 与 CVPAT）", "en": "Out-of-sample prediction (PLSpredict, CVPAT)"},
    "intro": {
        "zh": "把受访者随机分为 {folds} 折，重复 {repetitions} 次（随机种子 {seed}）：每一折都用其余各折重新估计模型，"
              "再预测这一折受访者在各内生潜变量指标上的回答（{approach}）。Q²_predict > 0 表示预测优于训练样本均值；"
              "RMSE、MAE 越小越好，并与线性回归基准（LM：{benchmark}）比较（Shmueli 等 2019）。",
        "en": "The respondents are split at random into {folds} folds, {repetitions} times (seed "
              "{seed}): each fold's answers to the indicators of every endogenous construct "
              "are predicted by the model re-estimated on the other folds ({approach}). "
              "Q²_predict > 0: the predictions beat the training-sample mean; RMSE and MAE, "
              "lower is better, are compared with a linear-regression benchmark (LM: "
              "{benchmark}) (Shmueli et al. 2019)."},
    "approach_direct": {"zh": "由直接前因潜变量预测", "en": "from the direct antecedents"},
    "approach_earliest": {"zh": "只由外生潜变量预测", "en": "from the exogenous constructs only"},
    "benchmark_direct": {"zh": "每个指标对其潜变量直接前因的全部指标做回归",
                         "en": "each indicator regressed on the indicators of its construct's "
                               "direct antecedents"},
    "benchmark_earliest": {"zh": "每个指标对外生潜变量的全部指标做回归",
                           "en": "each indicator regressed on all indicators of the exogenous "
                                 "constructs"},
    "construct": {"zh": "潜变量", "en": "Construct"},
    "indicator": {"zh": "指标", "en": "Indicator"},
    "q2": {"zh": "Q²_predict", "en": "Q²_predict"},
    "rmse_pls": {"zh": "RMSE（PLS）", "en": "RMSE (PLS)"},
    "rmse_lm": {"zh": "RMSE（LM）", "en": "RMSE (LM)"},
    "mae_pls": {"zh": "MAE（PLS）", "en": "MAE (PLS)"},
    "mae_lm": {"zh": "MAE（LM）", "en": "MAE (LM)"},
    "power": {"zh": "预测能力", "en": "Predictive power"},
    "beats": {"zh": "PLS 的 RMSE 低于 LM", "en": "PLS RMSE below LM"},
    "verdict": {"zh": "{target}：{power}（{beats}/{n} 个指标上 PLS 的 RMSE 低于 LM，"
                      "{q2}/{n} 个指标 Q²_predict > 0）。",
                "en": "{target}: {power} ({beats} of {n} indicators with a lower RMSE for PLS "
                      "than LM; Q²_predict > 0 on {q2} of {n})."},
    "cvpat_title": {"zh": "CVPAT：PLS 与基准的平均预测损失", "en": "CVPAT: PLS against the benchmarks"},
    "cvpat_intro": {
        "zh": "每位受访者的损失为各内生潜变量指标预测误差平方的平均（先在潜变量内、再在潜变量间平均，并在各次重复间平均）；"
              "差值 = 基准损失 − PLS 损失，正值表示 PLS 预测更好。单侧检验（H1：基准损失更大；Liengaard 等 2021，"
              "Sharma 等 2023）：配对 t 检验，及以 {resamples} 次 bootstrap 重抽样估计标准误的 t 检验。",
        "en": "A respondent's loss is the squared prediction error averaged over each "
              "endogenous construct's indicators, then over the constructs and the "
              "repetitions; difference = the benchmark's loss − PLS's, positive when PLS "
              "predicts better. One-sided tests (H1: the benchmark's loss is larger; "
              "Liengaard et al. 2021, Sharma et al. 2023): the paired t test, and the t test "
              "with a standard error from {resamples} bootstrap resamples."},
    "benchmark": {"zh": "基准", "en": "Benchmark"},
    "ia": {"zh": "指标均值（IA）", "en": "Indicator average (IA)"},
    "lm": {"zh": "线性回归（LM）", "en": "Linear model (LM)"},
    "overall": {"zh": "总体", "en": "Overall"},
    "loss_pls": {"zh": "PLS 损失", "en": "PLS loss"},
    "loss_b": {"zh": "基准损失", "en": "Benchmark loss"},
    "difference": {"zh": "差值", "en": "Difference"},
    "t_paired": {"zh": "t（配对）", "en": "t (paired)"},
    "p_paired": {"zh": "p（配对）", "en": "p (paired)"},
    "p_boot": {"zh": "p（bootstrap）", "en": "p (bootstrap)"},
    "cvpat_reading": {"zh": "PLS 的平均损失{ia}于指标均值基准，{lm}于线性回归基准（总体，5% 单侧）。",
                      "en": "Overall, PLS's average loss is {ia} the indicator-average "
                            "benchmark's and {lm} the linear model's (5 %, one-sided)."},
    "lower": {"zh": "显著低", "en": "significantly below"},
    "not_lower": {"zh": "并不显著低", "en": "not significantly below"},
    "untested": {"zh": "无法判断是否低", "en": "not testable against"},
    "missing": {"zh": "缺失处理：{missing}；预测目标指标缺失的回答不计入误差（共 {n} 个）。",
                "en": "Missing answers: {missing}; a missing answer to a predicted indicator has "
                      "nothing to compare with and is left out of its errors ({n} in all)."},
    "missing_training": {"zh": "训练样本内按训练均值替换，被预测受访者缺失的预测指标也以训练均值代替",
                         "en": "replaced by the training sample's means, in training and for the "
                               "held-out respondents' predictors"},
    "missing_listwise": {"zh": "列删除（与估计相同的受访者）",
                         "en": "listwise (the respondents of the estimate)"},
    "failed": {"zh": "{n} 次训练样本估计失败（{reasons}），所在的重复被舍弃：结果基于 {used}/{total} 次重复。",
               "en": "{n} training fits failed ({reasons}); their repetitions were dropped: "
                     "{used} of {total} repetitions are used."},
    "higher_order": {
        "zh": "高阶潜变量（{names}）以其各维度全部指标的组合来预测；PLSpredict 尚无针对高阶模型的公开方法，请谨慎解读。",
        "en": "Higher-order constructs ({names}) are predicted as composites of all their "
              "dimensions' indicators; PLSpredict has no published treatment of higher-order "
              "models, so read their rows with care."},
    "unavailable": {"zh": "样本外预测无法进行：", "en": "No out-of-sample prediction: "},
}

#: The predictive-power readings (survey.analysis.prediction.POWER; Hair et al. 2019, 2022).
PREDICTIVE_POWER: dict[str, dict[str, str]] = {
    "none": {"zh": "缺乏预测能力", "en": "no predictive power"},
    "low": {"zh": "预测能力低", "en": "low predictive power"},
    "medium": {"zh": "预测能力中等", "en": "medium predictive power"},
    "high": {"zh": "预测能力高", "en": "high predictive power"},
}

#: Why the reading is what it is (survey.analysis.prediction.predictive_power's codes).
PREDICTIVE_POWER_RULES: dict[str, dict[str, str]] = {
    "q2_not_positive": {"zh": "至少一个指标的 Q²_predict ≤ 0：预测不优于训练样本均值。",
                        "en": "An indicator's Q²_predict is not above 0: the predictions do "
                              "not beat the training-sample mean there."},
    "lm_better_everywhere": {"zh": "所有指标上 LM 的 RMSE 都不高于 PLS。",
                             "en": "LM's RMSE is not above PLS's on any indicator."},
    "pls_better_minority": {"zh": "只有少数指标上 PLS 的 RMSE 低于 LM。",
                            "en": "PLS has the lower RMSE on a minority of the indicators."},
    "pls_better_majority": {"zh": "一半或多数指标上 PLS 的 RMSE 低于 LM。",
                            "en": "PLS has the lower RMSE on half or a majority of the "
                                  "indicators."},
    "pls_better_everywhere": {"zh": "所有指标上 PLS 的 RMSE 都低于 LM。",
                              "en": "PLS has the lower RMSE on every indicator."},
}


# --------------------------------------------------------------------------- driver triangulation
# The triangulation section (survey.analysis.triangulation, survey.analysis.nps): the drivers by
# four methods with intervals, the agreement with the priority rule, and the NPS.

#: Labels, readings and notes of the triangulation section.
TRIANGULATION_UI: dict[str, dict[str, str]] = {
    "title": {"zh": "驱动因素三角验证与 NPS", "en": "Driver triangulation and NPS"},
    "intro": {
        "zh": "以四种方法衡量{target}各驱动因素对{outcome}的作用：结构方程（IPMA 重要性，即 0-100 尺度上的总效应）、"
              "标准化回归系数、Johnson（2000）相对权重与 Shapley 值（LMG，Grömping 2007）；后两者把回归的 R² "
              "分给各驱动因素，合计等于 R²。",
        "en": "The drivers of {target} by four methods, on {outcome}: the SEM (IPMA importance, "
              "the total effect on the 0-100 metric), standardized regression coefficients, "
              "Johnson's (2000) relative weights and Shapley values (LMG, Grömping 2007); the "
              "last two split the regression's R² among the drivers and sum to it."},
    "outcome_item": {"zh": "总体满意度（“{item}”）", "en": "overall satisfaction (“{item}”)"},
    "outcome_score": {"zh": "{target}的 0-100 得分", "en": "the 0-100 score of {target}"},
    "driver": {"zh": "驱动因素", "en": "Driver"},
    "sem": {"zh": "结构方程（IPMA 重要性）", "en": "SEM (IPMA importance)"},
    "regression": {"zh": "标准化回归系数", "en": "Standardized regression β"},
    "relative_weights": {"zh": "相对权重（R² 份额）", "en": "Relative weight (share of R²)"},
    "shapley": {"zh": "Shapley 值（R² 份额）", "en": "Shapley value (share of R²)"},
    "r2": {"zh": "R²（n = {n}）", "en": "R² (n = {n})"},
    "rule_first": {"zh": "优先级规则（IPMA）首先改进：{names}。",
                   "en": "The priority rule (IPMA) puts first: {names}."},
    "rule_first_top": {"zh": "优先级规则（IPMA）没有落在“重点改进”区的驱动因素，排在首位的是：{names}。",
                       "en": "No driver is in the IPMA's improve-first area; the priority rule "
                             "puts first: {names}."},
    "agree_all": {"zh": "{methods}都认为其重要性不低于同类驱动因素的平均水平，与规则一致。",
                  "en": "{methods} all rate them at or above the average importance of their "
                        "peers: they agree with the rule."},
    "m_regression": {"zh": "回归", "en": "regression"},
    "m_relative_weights": {"zh": "相对权重", "en": "relative weights"},
    "m_shapley": {"zh": "Shapley 值", "en": "Shapley values"},
    "agree_only": {"zh": "{methods}认为其重要性不低于同类平均，与规则一致",
                   "en": "{methods} rate them at or above their peers' average, in line with "
                         "the rule"},
    "differ_some": {"zh": "{methods}支持{agree}，但认为{differ}的重要性低于同类平均（这些方法最重要的驱动因素为{top}）",
                    "en": "{methods} support {agree} but rate {differ} below the average of "
                          "its peers (their own top driver: {top})"},
    "differ_all": {"zh": "{methods}认为{differ}的重要性低于同类平均（这些方法最重要的驱动因素为{top}）",
                   "en": "{methods} rate {differ} below the average of their peers (their own "
                         "top driver: {top})"},
    "clause_sep": {"zh": "；", "en": "; "},
    "full_stop": {"zh": "。", "en": "."},
    "no_agreement": {"zh": "没有 IPMA 优先级可供对照。",
                     "en": "There is no IPMA priority to compare the methods with."},
    "peers_note": {
        "zh": "“一致”的含义：该方法给出的重要性不低于同类驱动因素（同一高阶构念的各维度，或其余驱动因素）的平均值，"
              "与 IPMA 划分“重点改进”区的方式相同。本节不改变优先顺序，只说明其他方法是否支持它。",
        "en": "“Agree” means the method rates the driver's importance at or above the average "
              "of its peers (the dimensions of the same higher-order construct, or the other "
              "drivers), as the IPMA splits its improve-first area. This section does not "
              "reorder the priorities; it says whether the other methods support them."},
    "ci_note": {"zh": "方括号内为 {ci}；bootstrap {ok}/{resamples} 次重抽样可用。",
                "en": "Brackets: {ci}; {ok} of {resamples} bootstrap resamples usable."},
    "withheld_no_bootstrap": {
        "zh": "未做 bootstrap：只列出点估计，不报告置信区间（估计时加 --bootstrap 1000）。",
        "en": "Not bootstrapped: point estimates only, with no intervals (estimate with "
              "--bootstrap 1000)."},
    "withheld_bootstrap_unusable": {
        "zh": "可用的 bootstrap 重抽样太少（{ok}/{resamples}），无法推断：只列出点估计，不报告置信区间。",
        "en": "Too few usable bootstrap resamples ({ok} of {resamples}) to carry inference: "
              "point estimates only, with no intervals."},
    "shapley_too_many_drivers": {
        "zh": "驱动因素有 {k} 个，超过 {max} 个：Shapley 值需计算 2^{k} 个子模型，未计算。",
        "en": "{k} drivers, more than {max}: the Shapley values would need 2^{k} sub-models "
              "and were not computed."},
    "shapley_too_many_subsets": {
        "zh": "驱动因素较多：Shapley 值只给出点估计，未做 bootstrap 区间。",
        "en": "Many drivers: the Shapley values are point estimates, without bootstrap "
              "intervals."},
    "unavailable": {"zh": "无法进行驱动因素三角验证：{reason}", "en": "No driver triangulation: {reason}"},
    "nps_title": {"zh": "净推荐值（NPS）", "en": "Net Promoter Score (NPS)"},
    "nps_line": {
        "zh": "“{item}”：推荐者（9-10 分）{p}，中立者（7-8 分）{m}，贬损者（0-6 分）{d}；NPS = {score}{ci}（n = {n}）。",
        "en": "“{item}”: promoters (9-10) {p}, passives (7-8) {m}, detractors (0-6) {d}; "
              "NPS = {score}{ci} (n = {n})."},
    "nps_ci": {"zh": "，{level} 置信区间 [{low}, {high}]", "en": ", {level} CI [{low}, {high}]"},
    "nps_se_note": {
        "zh": "标准误按多项分布方差 [p推荐 + p贬损 − (p推荐 − p贬损)²] / n 计算；有权重时 n 取 Kish 有效样本量"
              "（此处 {neff}）。区间为 Wald 区间。",
        "en": "Standard error from the multinomial variance [p_promoters + p_detractors − "
              "(p_promoters − p_detractors)²] / n, with Kish's effective n under weights (here "
              "{neff}); Wald interval."},
    "nps_withheld_too_few_answers": {
        "zh": "有效回答少于 {min} 个：不报告置信区间。",
        "en": "Fewer than {min} effective answers: no interval is reported."},
    "nps_withheld_one_group": {
        "zh": "所有回答落在同一组：方差为 0，不报告置信区间。",
        "en": "Every answer falls in one group: the variance is 0 and no interval is reported."},
    "nps_unavailable_no_recommend": {
        "zh": "问卷没有数据中存在的推荐意愿题（gauges.recommend），不计算 NPS。",
        "en": "The questionnaire names no recommend question (gauges.recommend) that the data "
              "has: no NPS."},
    "nps_unavailable_not_0_10": {
        "zh": "推荐意愿题“{item}”不是 0-10 分量表，不计算 NPS（NPS 的推荐者/贬损者定义基于 0-10 分）。",
        "en": "The recommend question “{item}” is not on a 0-10 scale: no NPS (its promoters "
              "and detractors are defined on 0-10)."},
    "nps_segment": {"zh": "按{segment}", "en": "By {segment}"},
    "nps_change": {"zh": "NPS 变化（{wave_from} → {wave_to}）：{change}，{level} 置信区间 [{low}, {high}]，"
                         "p = {p}（{verdict}）。",
                   "en": "NPS change {wave_from} → {wave_to}: {change}, {level} CI [{low}, {high}], "
                         "p = {p} ({verdict})."},
    "nps_change_untested": {"zh": "NPS 变化（{wave_from} → {wave_to}）：{change}；至少一轮的 NPS 没有标准误，"
                                  "未做检验。",
                            "en": "NPS change {wave_from} → {wave_to}: {change}; at least one "
                                  "wave's NPS has no standard error, so it is not tested."},
    "significant": {"zh": "显著", "en": "significant"},
    "not_significant": {"zh": "不显著", "en": "not significant"},
    "inconclusive": {"zh": "不确定", "en": "not conclusive"},
    "level": {"zh": "组别", "en": "Level"},
    "pair": {"zh": "比较", "en": "Comparison"},
    "difference": {"zh": "差值", "en": "Difference"},
    "p_holm": {"zh": "p（Holm 校正）", "en": "p (Holm)"},
    "nps_test_note": {
        "zh": "两组 NPS 之差的 z 检验（独立样本，标准误 √(SE₁² + SE₂²)），同一分组变量内按 Holm 法校正。",
        "en": "z test of the difference of two NPS (independent samples, SE √(SE₁² + SE₂²)), "
              "Holm-adjusted within a segment column."},
}

#: Why the triangulation is not available (survey.analysis.triangulation reason codes).
TRIANGULATION_UNAVAILABLE: dict[str, dict[str, str]] = {
    "no_drivers": {"zh": "模型的目标变量没有可比较的驱动因素。",
                   "en": "the model's target has no drivers to compare."},
    "too_few_respondents": {"zh": "同时回答了结果题与全部驱动因素的受访者只有 {n} 人，少于驱动因素个数加 2。",
                            "en": "only {n} respondents answered the outcome and every driver, "
                                  "fewer than the number of drivers plus 2."},
    "constant_outcome": {"zh": "所有受访者对结果题的回答相同，没有可供驱动因素解释的变异。",
                         "en": "every respondent gave the outcome the same answer: there is no "
                               "variance for the drivers to explain."},
    "singular": {"zh": "驱动因素的相关矩阵奇异（某个驱动因素为常数或与其他驱动因素完全共线），R² 无法分解。",
                 "en": "the drivers' correlation matrix is singular (a constant or collinear "
                       "driver), so R² cannot be split among them."},
}


# --------------------------------------------------------------------------- tracking: quality
# The tracking report's section on respondents excluded by quality rules (survey run
# --exclude-flagged; survey.tracking.CellExclusion), also the workbook's sheet and the deck's
# slide. The rules' names and criteria are QUALITY_RULES and QUALITY_CRITERIA.

#: Labels and sentences of the tracking run's exclusion table.
TRACKING_QUALITY_UI: dict[str, dict[str, str]] = {
    "title": {"zh": "按回答质量排除的受访者", "en": "Respondents excluded for response quality"},
    "intro": {"zh": "每一轮都应用了规则 {rules}：被标记的受访者不参与其所在单元的估计。"
                    "下表逐个单元列出检查人数、各规则标记与排除的人数，以及{target}指数排除前后的值。",
              "en": "The rules {rules} were applied to every wave: the respondents they flagged "
                    "are left out of their cell's estimate. Per cell: the accepted respondents "
                    "checked, how many each rule flagged and excluded, and the {target} index "
                    "with and without the exclusion."},
    "note": {"zh": "“不排除”的指数为同一方法在该单元全部有效受访者上的估计（不做 bootstrap）；"
                   "半宽为报告指数区间宽度的一半。排除使指数的变动超过半宽时，列入执行摘要的注意事项。",
             "en": "The index without the exclusion is the same method's estimate on every "
                   "accepted respondent of the cell (without bootstrap); the half-width is half "
                   "the width of the reported index's interval. An exclusion that moved the index "
                   "by more than that is among the executive summary's caveats."},
    "cell": {"zh": "单元", "en": "Cell"},
    "checked": {"zh": "检查人数", "en": "Checked"},
    "rule_excluded": {"zh": "{rule}：标记并排除", "en": "{rule}: flagged and excluded"},
    "rule_kept": {"zh": "{rule}：标记但保留", "en": "{rule}: flagged, kept"},
    "excluded": {"zh": "排除人数", "en": "Excluded"},
    "used": {"zh": "参与估计", "en": "Used"},
    "with": {"zh": "排除后指数", "en": "Index with exclusion"},
    "without": {"zh": "不排除指数", "en": "Index without"},
    "difference": {"zh": "差值", "en": "Difference"},
    "half_width": {"zh": "区间半宽", "en": "Interval half-width"},
    "moved": {"zh": "变动超过半宽", "en": "Moved more than the half-width"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "no_interval": {"zh": "无区间", "en": "no interval"},
    "invalid": {"zh": "无效", "en": "invalid"},
    "failed": {"zh": "无法计算", "en": "could not be computed"},
    "caveat": {"zh": "{cell}：排除 {excluded} 位被标记为{rules}的受访者使{target}指数变动 {diff}"
                     "（不排除 {without}，排除后 {with_}），超过其区间半宽 {half}。",
               "en": "{cell}: excluding the {excluded} respondents flagged as {rules} moved the "
                     "{target} index by {diff} ({without} without, {with_} with), more than the "
                     "half-width of its interval ({half})."},
    "sheet": {"zh": "回答质量排除", "en": "Quality exclusions"},
    "chart": {"zh": "{target}指数：排除前后", "en": "{target} index with and without the "
                                                  "exclusion"},
}


# --------------------------------------------------------------------------- survey quality
# ``survey quality --lang``: the console table's words and the flag file's headers. The
# reasons themselves are beside the rules (survey.quality.REASONS).

#: Words of ``survey quality``'s table and of its flag files' headers.
QUALITY_CLI_UI: dict[str, dict[str, str]] = {
    "title": {"zh": "{name}：{n} 位有效受访者", "en": "{name}: {n} accepted respondents"},
    "rule": {"zh": "规则", "en": "rule"},
    "flagged": {"zh": "标记人数", "en": "flagged"},
    "share": {"zh": "占比", "en": "share"},
    "threshold": {"zh": "阈值", "en": "threshold"},
    "note": {"zh": "依据 / 无法应用的原因", "en": "based on / not applied because"},
    "examples": {"zh": "示例行", "en": "example rows"},
    "any_rule": {"zh": "{n} 位受访者至少被一条规则标记。",
                 "en": "{n} respondents flagged by at least one rule."},
    "stored": {"zh": "标记已保存在 {path}，与各轮次的回答放在一起（{n} 个轮次）。",
               "en": "Flags stored in {path} beside each wave's responses ({n} waves)."},
    "written": {"zh": "标记已写入 {path}", "en": "Flags written to {path}"},
    # the flag file's headers
    "col_row": {"zh": "行号", "en": "row"},
    "col_respondent": {"zh": "受访者编号", "en": "respondent"},
    "col_rule": {"zh": "规则", "en": "rule"},
    "col_value": {"zh": "测量值", "en": "value"},
    "col_reason": {"zh": "原因", "en": "reason"},
    "col_wave": {"zh": "轮次", "en": "wave"},
    "col_brand": {"zh": "品牌", "en": "brand"},
}
