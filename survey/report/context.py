"""Compute the report's context: plain data (strings, numbers, lists, dicts), nothing to draw
or render. Testable on its own; the templates only lay it out."""

from __future__ import annotations

import math
from typing import Any

from survey.report.charts import path_diagram_svg, scorecard_svg
from survey.study import StudyResult

#: Every fixed text of the report, in each language.
UI: dict[str, dict[str, str]] = {
    "report": {"zh": "满意度测评报告", "en": "Satisfaction report"},
    "summary": {"zh": "研究概况", "en": "Study summary"},
    "model": {"zh": "模型", "en": "Model"},
    "method": {"zh": "估计方法", "en": "Estimator"},
    "rows": {"zh": "文件中的记录", "en": "Rows in the file"},
    "accepted": {"zh": "有效样本", "en": "Accepted respondents"},
    "rejected": {"zh": "被拒记录（数据错误）", "en": "Rejected rows (invalid answers)"},
    "screened": {"zh": "甄别淘汰", "en": "Screened out"},
    "used": {"zh": "参与估计", "en": "Used in estimation"},
    "missing_how": {"zh": "缺失值处理", "en": "Missing answers"},
    "scorecard": {"zh": "满意度指数（0-100）", "en": "Index scorecard (0-100)"},
    "latent": {"zh": "潜变量", "en": "Latent"},
    "index": {"zh": "指数", "en": "Index"},
    "valid": {"zh": "有效", "en": "Valid"},
    "invalid": {"zh": "无效（权重为负）", "en": "Invalid (negative weight)"},
    "weights": {"zh": "指标权重", "en": "Item weights"},
    "diagram": {"zh": "路径图", "en": "Path diagram"},
    "diagram_note": {"zh": "箭头上为标准化路径系数（* p < 0.05；虚线：不显著）；方框内为指数和 R²。",
                     "en": "Arrows show standardized path coefficients (* p < 0.05; dashed: not "
                           "significant); boxes show the index and R²."},
    "paths": {"zh": "结构路径", "en": "Structural paths"},
    "from": {"zh": "原因", "en": "From"},
    "to": {"zh": "结果", "en": "To"},
    "estimate": {"zh": "估计值", "en": "Estimate"},
    "std": {"zh": "标准化", "en": "Standardized"},
    "se": {"zh": "标准误", "en": "SE"},
    "ci": {"zh": "95% 置信区间", "en": "95% CI"},
    "p": {"zh": "p 值", "en": "p"},
    "r2": {"zh": "解释方差 R²", "en": "Explained variance R²"},
    "effects": {"zh": "总效应（标准化）", "en": "Total effects (standardized)"},
    "direct": {"zh": "直接", "en": "Direct"},
    "indirect": {"zh": "间接", "en": "Indirect"},
    "total": {"zh": "总计", "en": "Total"},
    "fit": {"zh": "模型拟合与可接受性", "en": "Model fit and admissibility"},
    "measure": {"zh": "指标", "en": "Measure"},
    "value": {"zh": "数值", "en": "Value"},
    "cutoff": {"zh": "参考标准", "en": "Cut-off"},
    "verdict": {"zh": "判断", "en": "Verdict"},
    "good": {"zh": "良好", "en": "good"},
    "acceptable": {"zh": "可接受", "en": "acceptable"},
    "poor": {"zh": "较差", "en": "poor"},
    "admissible": {"zh": "解可接受", "en": "The solution is admissible"},
    "inadmissible": {"zh": "解不可接受：以下结果不可用于决策", "en": "The solution is inadmissible: do not base decisions on it"},
    "warnings": {"zh": "提示", "en": "Warnings"},
    "measurement": {"zh": "测量模型", "en": "Measurement model"},
    "item": {"zh": "指标", "en": "Item"},
    "loading": {"zh": "载荷", "en": "Loading"},
    "low_loading": {"zh": "标准化载荷 < 0.708", "en": "standardized loading < 0.708"},
    "reliability": {"zh": "信度与效度", "en": "Reliability and validity"},
    "alpha": {"zh": "Cronbach α", "en": "Cronbach's α"},
    "rho_c": {"zh": "组合信度 ρC", "en": "Composite reliability ρC"},
    "ave": {"zh": "平均提取方差 AVE", "en": "AVE"},
    "htmt": {"zh": "HTMT 区分效度", "en": "HTMT discriminant validity"},
    "quality": {"zh": "数据质量", "en": "Data quality"},
    "dont_know": {"zh": "“无法回答”比例", "en": "Don't-know rate"},
    "blank": {"zh": "空白比例", "en": "Blank rate"},
    "rejects": {"zh": "被拒记录明细", "en": "Rejected answers"},
    "row": {"zh": "行", "en": "Row"},
    "column": {"zh": "列", "en": "Column"},
    "reason": {"zh": "原因", "en": "Reason"},
    "more_rejects": {"zh": "另有 {n} 条未列出（见 JSON / 拒绝记录文件）。",
                     "en": "{n} more not shown (see the ingest report)."},
    "notes": {"zh": "方法说明", "en": "Method notes"},
    "manifest": {"zh": "运行记录", "en": "Run manifest"},
    "none": {"zh": "无", "en": "none"},
    "dimension": {"zh": "（维度）", "en": " (dimension)"},
}

NOTES = {
    "estimator": {
        "zh": "协方差结构方程模型（CB-SEM），最大似然估计（semopy；收敛容差 1e-12），标记指标载荷固定为 1。",
        "en": "Covariance-based SEM (CB-SEM), maximum likelihood (semopy; tolerance 1e-12), "
              "marker-indicator loadings fixed to 1.",
    },
    "fiml": {
        "zh": "缺失与“无法回答”按完全信息最大似然（FIML）处理：保留所有受访者，均值与模型参数联合估计，标准误来自观测信息矩阵（与 lavaan missing = \"ml\" 一致）。",
        "en": "Missing and don't-know answers are handled by full-information ML (FIML): every "
              "respondent is kept, means are estimated jointly, standard errors come from the "
              "observed information (as lavaan's missing = \"ml\").",
    },
    "listwise": {
        "zh": "缺失与“无法回答”按列表删除处理：有任一缺失的受访者不参与估计。",
        "en": "Missing and don't-know answers are handled by listwise deletion: respondents "
              "with any missing answer are left out.",
    },
    "fit": {
        "zh": "拟合指标按 lavaan 的定义自行计算（基准模型为独立模型；RMSEA 用 N；SRMR 为 Bentler 定义），并已与 lavaan 结果核对。",
        "en": "Fit measures are computed with lavaan's definitions (independence baseline, "
              "RMSEA with N, Bentler's SRMR) and tested against lavaan.",
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
}

#: Conventional cut-offs (Hu & Bentler 1999): (good, acceptable, higher is better).
CUTOFFS = {"cfi": (0.95, 0.90, True), "tli": (0.95, 0.90, True),
           "rmsea": (0.06, 0.08, False), "srmr": (0.08, 0.10, False)}


def _num(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def build_context(result: StudyResult, lang: str) -> dict[str, Any]:
    """Everything the report shows, as plain data, in ``lang`` ('zh' or 'en')."""
    q, bound, est, ing = result.questionnaire, result.bound, result.estimate, result.responses.report
    t = {k: v.get(lang, v["en"]) for k, v in UI.items()}
    model = bound.model
    dims = {d for _, ds in bound.second_order for d in ds}

    def label(construct: str) -> str:
        return q.constructs[construct].label.get(lang)

    def item_label(item_id: str) -> str:
        return q.item(item_id).short.get(lang)

    index_rows = []
    for idx in est.indices:
        index_rows.append({
            "id": idx.latent, "label": label(idx.latent) + (t["dimension"] if idx.latent in dims else ""),
            "value": _num(idx.value), "valid": idx.valid, "level": 2 if idx.latent in dims else 1,
            "weights": [{"item": i, "label": item_label(i), "weight": _num(w)} for i, w in idx.weights],
        })
    index_of = {r["id"]: r["value"] for r in index_rows}
    order = model.causal_order()
    depth: dict[str, int] = {}
    for x in order:
        preds = model.predecessors(x)
        depth[x] = 1 + max(depth[p] for p in preds) if preds else 0
    nodes = [{"id": x, "label": label(x), "layer": depth[x], "index": index_of.get(x),
              "r2": _num(est.r2.get(x)) if x in est.r2 else None} for x in order]
    edges = [{"from": p.source, "to": p.target, "std": _num(p.std_estimate) or 0.0,
              "significant": p.p_value is not None and p.p_value < 0.05} for p in est.paths]
    second = [{"id": x.item, "label": label(x.item), "parent": x.latent,
               "loading": _num(x.std_estimate), "index": index_of.get(x.item)}
              for x in est.loadings if x.item in dims]
    fit_rows = []
    f = est.fit
    for key, name in (("chi2", "χ²"), ("df", "df"), ("p_value", "p"), ("cfi", "CFI"),
                      ("tli", "TLI"), ("rmsea", "RMSEA"), ("srmr", "SRMR"), ("logl", "logL"),
                      ("aic", "AIC"), ("bic", "BIC")):
        value = _num(f.get(key))
        row = {"name": name, "value": value, "cutoff": "", "verdict": ""}
        if key in CUTOFFS and value is not None:
            good, ok, higher = CUTOFFS[key]
            sign = "≥" if higher else "≤"
            row["cutoff"] = f"{sign} {good} ({t['good']}), {sign} {ok} ({t['acceptable']})"
            better = (lambda a, b: a >= b) if higher else (lambda a, b: a <= b)
            row["verdict"] = "good" if better(value, good) else "acceptable" if better(value, ok) else "poor"
        fit_rows.append(row)
    loadings = []
    for x in est.loadings:
        is_dim = x.item in dims
        loadings.append({
            "latent": label(x.latent), "item": x.item,
            "label": label(x.item) if is_dim else item_label(x.item),
            "estimate": _num(x.estimate), "std": _num(x.std_estimate), "se": _num(x.se),
            "low": x.std_estimate is not None and x.std_estimate < 0.708,
        })
    rel = [{"latent": label(c), "alpha": _num(v.get("alpha")), "rho_c": _num(v.get("rho_c")),
            "ave": _num(v.get("ave"))} for c, v in est.reliability.items()]
    htmt = [{"a": label(a), "b": label(b), "value": _num(v), "high": v is not None and v >= 0.85}
            for a, b, v in est.htmt]
    rejects = result.responses.rejects
    shown = rejects.head(50)
    quality = [{"item": i, "label": item_label(i), "construct": label(q.item(i).construct),
                "dont_know": ing.dont_know.get(i, 0.0), "blank": ing.blank.get(i, 0.0)}
               for i in bound.items]
    notes = [NOTES["estimator"][lang], NOTES[est.missing][lang], NOTES["fit"][lang],
             NOTES["index"][lang], NOTES.get(est.index_weights, {}).get(lang, est.index_weights)]
    return {
        "lang": lang,
        "t": t,
        "title": q.title.get(lang),
        "model_name": model.name.get(lang) or model.id,
        "method": "CB-SEM (ML)" if est.method == "cbsem" else est.method,
        "summary": {
            "rows": ing.n_rows, "accepted": ing.n_accepted, "rejected": ing.n_rejected,
            "screened": ing.n_screened_out, "used": est.n, "missing": est.missing,
            "incomplete": est.missing_detail.get("n_incomplete", 0), "source": ing.source,
            "encoding": ing.encoding or ing.format,
        },
        "target": {"id": model.target, "label": label(model.target),
                   "value": index_of.get(model.target)},
        "indices": index_rows,
        "scorecard_svg": scorecard_svg(index_rows, t["index"]),
        "diagram_svg": path_diagram_svg(nodes, edges, second),
        "paths": [{"from": label(p.source), "to": label(p.target), "estimate": _num(p.estimate),
                   "std": _num(p.std_estimate), "se": _num(p.se), "ci_low": _num(p.ci_low),
                   "ci_high": _num(p.ci_high), "p": _num(p.p_value)} for p in est.paths],
        "r2": [{"latent": label(k), "value": _num(v)} for k, v in est.r2.items()],
        "effects": [{"from": label(e.source), "to": label(e.target), "direct": e.direct,
                     "indirect": e.indirect, "total": e.total}
                    for e in est.effects if e.target == model.target],
        "fit": fit_rows,
        "admissible": est.admissible,
        "warnings": list(est.warnings),
        "loadings": loadings,
        "reliability": rel,
        "htmt": htmt,
        "data_quality": quality,
        "rejects": [{"row": int(r.row), "column": r.column, "value": r.value, "reason": r.reason}
                    for r in shown.itertuples(index=False)],
        "more_rejects": max(0, len(rejects) - len(shown)),
        "notes": notes,
        "manifest": result.manifest,
    }
