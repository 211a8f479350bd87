"""What an estimator tells the reader about its result, in every report language.

A :class:`Notice` has a code, its parameters and the sentence in each language; the English
sentence is what the JSON's ``warnings`` list carries (DESIGN.md contract), the code and
parameters travel beside it (``warning_codes``), and a report shows the sentence in its own
language. Every notice an estimator can give is in :data:`TEXTS`: one place for the words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

#: code -> language -> template (str.format with the notice's parameters).
TEXTS: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "mean_replaced": {
        "en": "{values} missing or don't-know answers of {respondents} respondents were "
              "replaced by item means.",
        "zh": "{respondents} 位受访者的 {values} 个缺失或“无法回答”的答案已用该题的均值替代。"},
    "listwise_dropped": {
        "en": "{n} respondents with a missing answer were dropped (listwise deletion).",
        "zh": "{n} 位有缺失答案的受访者未参与估计（列表删除）。"},
    "fiml_kept": {
        "en": "{incomplete} of {n} respondents have a missing or don't-know answer; they are "
              "kept and estimated by FIML.",
        "zh": "{n} 位受访者中有 {incomplete} 位存在缺失或“无法回答”的答案；他们全部保留，按完全信息"
              "最大似然（FIML）估计。"},
    "small_sample": {
        "en": "Small sample: the estimate uses {n} respondents, fewer than the {minimum} this "
              "model needs (at least {floor} for this estimator, ten times the {predictors} "
              "predictors of its most-predicted construct, and more than its {items} items). "
              "The numbers are shown but may be unstable; read them with caution.",
        "zh": "样本量偏小：本次估计只用了 {n} 位受访者，少于该模型所需的 {minimum} 位（该估计方法至少 {floor} 位，不少于"
              "被预测最多的潜变量的预测变量数 {predictors} 的十倍，且多于模型的 {items} 个指标）。结果照常列出，但可能不稳定，"
              "解读时须谨慎。"},
    "invalid_index": {
        "en": "The index of '{latent}' is invalid: a rescaled item weight is negative, so the "
              "weighted mean is not on the 0-100 scale.",
        "zh": "“{latent}”的指数无效：换算后的某个指标权重为负，加权平均不在 0-100 量尺上。"},
    "pls_not_converged": {
        "en": "PLS did not converge in {max_iter} iterations ({stage}).",
        "zh": "PLS 在 {max_iter} 次迭代内未收敛（{stage}）。"},
    "pls_covariances_ignored": {
        "en": "PLS path modelling cannot estimate residual covariances: the model's {covariances} "
              "are left out, and the rest of the model is estimated.",
        "zh": "PLS 路径建模无法估计残差协方差：模型中的 {covariances} 未纳入估计，模型的其余部分照常估计。"},
    "pls_constraints_ignored": {
        "en": "PLS path modelling cannot fix parameters or hold them equal: the model's "
              "{constraints} are ignored, and every weight, loading and path is estimated "
              "freely.",
        "zh": "PLS 路径建模无法固定参数或令参数相等：模型中的 {constraints} 被忽略，所有权重、载荷和路径"
              "均自由估计。"},
    "bootstrap_unusable": {
        "en": "No bootstrap inference: only {ok} of {resamples} resamples gave a usable "
              "solution ({reasons}); at least {min_usable}, and {min_share} of those asked for, "
              "are needed. Standard errors, p-values and intervals are not reported for this run.",
        "zh": "不报告 Bootstrap 推断：{resamples} 次重抽样中只有 {ok} 次得到可用的解（{reasons}）；"
              "至少需要 {min_usable} 次且不少于所要求次数的 {min_share}。本次不报告标准误、p 值和"
              "置信区间。"},
    "bootstrap_few_usable": {
        "en": "Only {ok} of {resamples} bootstrap resamples ({share}) gave a usable solution "
              "({reasons}); standard errors, p-values and intervals rest on those.",
        "zh": "{resamples} 次 Bootstrap 重抽样中只有 {ok} 次（{share}）得到可用的解（{reasons}）；"
              "标准误、p 值和置信区间仅基于这些重抽样。"},
    "bootstrap_inadmissible_kept": {
        "en": "{kept} of {resamples} bootstrap resamples have an inadmissible solution "
              "({reasons}); they are kept in the standard errors and intervals (policy 'keep', "
              "lavaan's convention; '--inadmissible drop' leaves them out).",
        "zh": "{resamples} 次 Bootstrap 重抽样中有 {kept} 次的解不可接受（{reasons}）；它们保留在"
              "标准误和置信区间的计算中（策略“keep”，与 lavaan 一致；“--inadmissible drop”"
              "则将其剔除）。"},
    "not_converged": {
        "en": "Inadmissible solution: the optimiser did not converge ({message}); the "
              "estimates are not a maximum of the likelihood.",
        "zh": "解不可接受：优化未收敛（{message}），估计值不是似然函数的最大值点。"},
    "heywood": {
        "en": "Inadmissible solution: the (residual) variance of '{variable}' is {value}, "
              "negative (a Heywood case); the model is misspecified or the sample too small.",
        "zh": "解不可接受：“{variable}”的（残差）方差为 {value}，为负（Heywood 情形）；模型设定有误"
              "或样本太小。"},
    "std_path_beyond_one": {
        "en": "Note: the standardized path {source} -> {target} is {value}, beyond +-1. With "
              "correlated predictors this can happen in an admissible solution (suppression); "
              "check the predictors' correlations and inner VIF before interpreting it.",
        "zh": "注意：标准化路径 {source} → {target} 为 {value}，超出 ±1。前因变量相关时，可接受的解"
              "也可能出现这种情况（抑制效应）；解读前请检查前因变量之间的相关和内部 VIF。"},
    "std_loading_beyond_one": {
        "en": "Inadmissible solution: the standardized loading of '{item}' on '{latent}' is "
              "{value}, beyond +-1.",
        "zh": "解不可接受：“{item}”在“{latent}”上的标准化载荷为 {value}，超出 ±1。"},
    "latent_cov_not_pd": {
        "en": "Inadmissible solution: the covariance matrix of the latents is not positive "
              "definite (smallest eigenvalue {value}); some latents are linear combinations of "
              "others.",
        "zh": "解不可接受：潜变量协方差矩阵非正定（最小特征值 {value}）；某些潜变量是其他潜变量的"
              "线性组合。"},
    "residual_cov_not_pd": {
        "en": "Inadmissible solution: the covariance matrix of the items' residuals is not "
              "positive definite (smallest eigenvalue {value}); a residual covariance is larger "
              "than its two variances allow.",
        "zh": "解不可接受：指标残差的协方差矩阵非正定（最小特征值 {value}）；某个残差协方差超出了"
              "其两个方差所允许的范围。"},
    "reliability_above_one": {
        "en": "The {measure} of '{construct}' is {value}, above 1: impossible for a "
              "reliability, it comes from a negative error variance (see the inadmissible "
              "solution above) and is not a reliability.",
        "zh": "“{construct}”的 {measure} 为 {value}，大于 1：信度不可能超过 1，这是误差方差为负（见上文不可接受的解）"
              "造成的，不能作为信度解读。"},
    "information_singular": {
        "en": "Inadmissible solution: the information matrix is singular, so the model is not "
              "identified by these data; no standard errors, p-values or intervals are given.",
        "zh": "解不可接受：信息矩阵奇异，模型在这些数据上不可识别；不报告标准误、p 值和置信区间。"},
    "huge_se": {
        "en": "Note: huge or undefined standard errors for {parameters}; the data barely pin "
              "these estimates down (e.g. nearly collinear latents), so they are far from "
              "significant whatever their size.",
        "zh": "注意：{parameters} 的标准误极大或无法计算；数据几乎无法确定这些估计值（例如潜变量"
              "近乎共线），因此无论其大小都远不显著。"},
    "plsc_rho_above_one": {
        "en": "Inadmissible solution: the PLSc rho_A of '{construct}' is {value}, above 1; "
              "its items do not behave as indicators of one common factor, and the correction "
              "(Dijkstra & Henseler 2015) does not apply to it.",
        "zh": "解不可接受：PLSc 中“{construct}”的 rho_A 为 {value}，大于 1；其指标不像同一个共同因子的"
              "测量，一致性校正（Dijkstra & Henseler 2015）对它不适用。"},
    "plsc_not_pd": {
        "en": "Inadmissible solution: the PLSc-corrected (disattenuated) construct "
              "correlation matrix is not positive definite (smallest eigenvalue {value}); its "
              "paths cannot be read as consistent estimates.",
        "zh": "解不可接受：PLSc 校正（去衰减）后的潜变量相关矩阵非正定（最小特征值 {value}）；其路径"
              "系数不能作为一致估计解读。"},
})

#: Codes that make a solution inadmissible.
INADMISSIBLE = frozenset({"not_converged", "heywood", "std_loading_beyond_one",
                          "latent_cov_not_pd", "residual_cov_not_pd", "information_singular",
                          "plsc_rho_above_one", "plsc_not_pd"})


@dataclass(frozen=True)
class Notice:
    """One thing the reader must know about a result."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in TEXTS:
            raise KeyError(f"Unknown notice {self.code!r}.")
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def text(self, lang: str = "en") -> str:
        """The sentence in ``lang`` (English when the language is unknown)."""
        table = TEXTS[self.code]
        return table.get(lang, table["en"]).format(**self.params)

    @property
    def inadmissible(self) -> bool:
        return self.code in INADMISSIBLE

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}


def notice(code: str, **params: Any) -> Notice:
    return Notice(code, params)
