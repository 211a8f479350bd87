"""Every fixed text of the report, in each language (zh, en): labels, quality flags, reasons
for a missing measure, reasons why two estimators disagree, and the method notes. One place for
the words; :mod:`survey.report.context` decides which of them a report shows."""

from __future__ import annotations

from survey.estimate.compare import INDEX_GAP, PATH_GAP

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
    "loading_note": {"zh": "标准化载荷应 ≥ 0.708（潜变量解释该指标一半以上的方差）；外部 VIF 应 < 3。",
                     "en": "Standardized loadings should be at least 0.708 (the construct explains "
                           "half of the item's variance); outer VIF below 3."},
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
    "diagram_note": {"zh": "箭头上为标准化路径系数（* p < 0.05；虚线：不显著）；方框内为指数和 R²。",
                     "en": "Arrows show standardized path coefficients (* p < 0.05; dashed: not "
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
    "ave": {"zh": "平均提取方差 AVE", "en": "AVE"},
    "fornell_larcker": {"zh": "Fornell-Larcker 准则", "en": "Fornell-Larcker criterion"},
    "fornell_larcker_note": {"zh": "对角线为 √AVE，其下为潜变量相关系数；每个相关系数应小于所在行与列的 √AVE。",
                             "en": "√AVE on the diagonal, latent correlations below it; each "
                                   "correlation should be smaller than the √AVE of its row and "
                                   "column."},
    "htmt": {"zh": "HTMT 区分效度", "en": "HTMT discriminant validity"},
    "htmt_note": {"zh": "HTMT 应 < 0.85（概念上明显不同的潜变量）或 < 0.90（概念相近的潜变量）；HTMT2 为几何平均版本（Roemer 等 2021）。",
                  "en": "HTMT should be below 0.85 (conceptually distinct constructs) or 0.90 "
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
    "collinearity_note": {"zh": "VIF < 3 为理想；3 至 5 之间需关注；≥ 5 为严重共线性。",
                          "en": "VIF below 3 is the rule; 3 to 5 deserves attention; 5 or more "
                                "is critical collinearity."},
    "highest": {"zh": "最大值", "en": "Highest"},
    "all_below": {"zh": "全部低于 3", "en": "all below 3"},
    "na_footnote": {"zh": "“–”：", "en": "“–”: "},
    "quality": {"zh": "数据质量", "en": "Data quality"},
    "dont_know": {"zh": "“无法回答”比例", "en": "Don't-know rate"},
    "blank": {"zh": "空白比例", "en": "Blank rate"},
    "rejects": {"zh": "被拒记录明细", "en": "Rejected answers"},
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
    "none": {"zh": "无", "en": "none"},
    "dimension": {"zh": "（维度）", "en": " (dimension)"},
    "not_available": {"zh": "该估计方法未提供此项。", "en": "Not available for this estimator."},
    "ns": {"zh": "不显著", "en": "n.s."},
}

#: Every quality flag, in each language: code -> text.
FLAGS: dict[str, dict[str, str]] = {
    "loading": {"zh": "标准化载荷 < 0.708", "en": "standardized loading < 0.708"},
    "alpha": {"zh": "Cronbach α < 0.70", "en": "Cronbach's α < 0.70"},
    "rho_a": {"zh": "ρA < 0.70", "en": "ρA < 0.70"},
    "rho_c": {"zh": "ρC < 0.70", "en": "ρC < 0.70"},
    "ave": {"zh": "AVE < 0.50：收敛效度不足", "en": "AVE < 0.50: convergent validity not established"},
    "fornell_larcker": {"zh": "潜变量相关系数大于 √AVE：不满足 Fornell-Larcker 准则",
                        "en": "latent correlation above √AVE: Fornell-Larcker criterion violated"},
    "htmt_85": {"zh": "HTMT ≥ 0.85：未达严格标准", "en": "HTMT ≥ 0.85: fails the conservative threshold"},
    "htmt_90": {"zh": "HTMT ≥ 0.90：区分效度不足", "en": "HTMT ≥ 0.90: discriminant validity not established"},
    "htmt2_85": {"zh": "HTMT2 ≥ 0.85：未达严格标准", "en": "HTMT2 ≥ 0.85: fails the conservative threshold"},
    "htmt2_90": {"zh": "HTMT2 ≥ 0.90：区分效度不足", "en": "HTMT2 ≥ 0.90: discriminant validity not established"},
    "htmt_upper": {"zh": "置信区间上限 ≥ 0.90：HTMT 未显著低于 0.90",
                   "en": "upper CI bound ≥ 0.90: HTMT is not significantly below 0.90"},
    "cross_loading": {"zh": "该指标在其他潜变量上的载荷高于本潜变量",
                      "en": "the item loads higher on another construct than on its own"},
    "vif_3": {"zh": "VIF ≥ 3：可能存在共线性", "en": "VIF ≥ 3: possible collinearity"},
    "vif_5": {"zh": "VIF ≥ 5：严重共线性", "en": "VIF ≥ 5: critical collinearity"},
    "weight_ns": {"zh": "权重不显著且载荷 < 0.50：考虑删除该指标",
                  "en": "weight not significant and loading < 0.50: consider removing the item"},
    "not_significant": {"zh": "不显著（p ≥ 0.05）", "en": "not significant (p ≥ 0.05)"},
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
    "significance": {"zh": "该路径只在一种方法下显著（p < 0.05）：其存在与否取决于估计方法。",
                     "en": "The path is significant (p < 0.05) under one estimator only: whether "
                           "it exists depends on the method."},
    "size_path": {"zh": f"标准化路径系数相差 {PATH_GAP:.2f} 或更多。",
                  "en": f"The standardized paths differ by {PATH_GAP:.2f} or more."},
    "size_index": {"zh": f"指数相差 {INDEX_GAP:.1f} 分或更多。",
                   "en": f"The indices differ by {INDEX_GAP:.1f} points or more."},
}

NOTES: dict[str, dict[str, str]] = {
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
    "comparison_inadmissible": {
        "zh": "注意：CB-SEM 的解不可接受，下表中 CB-SEM 的数值仅供诊断，差异不说明 PLS 结果有误。",
        "en": "Note: the CB-SEM solution is inadmissible; its numbers below are for diagnosis "
              "only, and a disagreement does not mean the PLS results are wrong.",
    },
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
