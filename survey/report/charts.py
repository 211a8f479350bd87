"""Report charts as inline SVG strings, drawn on ``matplotlib.figure.Figure`` (no pyplot
global state). Text is converted to paths (``svg.fonttype = 'path'``) so Chinese renders on any
viewer without fonts; the SVG is byte-stable (fixed hash salt, no date) for golden tests.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Sequence
from contextlib import contextmanager
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")  # headless; charts are files, never windows
from matplotlib import font_manager  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

CJK_FAMILIES = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC"]
_CJK = re.compile(r"[\u3000-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_WIDE = re.compile(r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60\U00020000-\U0002ffff]")
INK, MUTED, ACCENT, GOOD, BAD = "#1f2933", "#7b8794", "#1f6feb", "#2f855a", "#c53030"


class MissingCJKFontWarning(UserWarning):
    """No CJK font is installed: Chinese labels in charts would render as empty boxes."""


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed CJK font family, or None."""
    for family in CJK_FAMILIES:
        try:
            font_manager.findfont(font_manager.FontProperties(family=family),
                                  fallback_to_default=False)
            return family
        except ValueError:
            continue
    return None


@contextmanager
def _style(texts: Sequence[str]):
    """rc settings for a chart whose labels are ``texts``: a CJK font first when they need one.
    Without a CJK font, one MissingCJKFontWarning replaces matplotlib's warning per glyph."""
    family = ["DejaVu Sans"]
    missing = False
    if any(_CJK.search(t) for t in texts):
        cjk = cjk_font()
        if cjk is None:
            missing = True
            warnings.warn("No CJK font (e.g. Debian's fonts-noto-cjk) is installed: Chinese "
                          "labels in the charts cannot be drawn.", MissingCJKFontWarning,
                          stacklevel=3)
        else:
            family = [cjk, "DejaVu Sans"]
    rc = {"font.family": family, "svg.fonttype": "path", "svg.hashsalt": "csi-survey",
          "font.size": 10, "axes.edgecolor": MUTED, "axes.labelcolor": INK,
          "xtick.color": MUTED, "ytick.color": INK}
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        if missing:
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        yield


def _text_width(renderer, text: str, size: float, weight: str) -> float:
    """Width in points of ``text`` drawn at ``size`` with the current rc fonts."""
    prop = font_manager.FontProperties(size=size, weight=weight)
    width, _, _ = renderer.get_text_width_height_descent(text, prop, ismath=False)
    return width * 72 / renderer.dpi


def _fit_label(renderer, text: str, base: float, width_pt: float,
               weight: str = "normal") -> tuple[str, float]:
    """``text`` and a font size up to ``base`` at which it fits ``width_pt`` points. A label
    that would shrink below 80 % is broken into two lines first (boxes have room for two)."""
    def fit(label: str) -> float:
        widest = max(_text_width(renderer, line, base, weight) for line in label.split("\n"))
        return min(base, base * width_pt / widest) if widest > 0 else base

    size = fit(text)
    if size >= 0.8 * base:
        return text, size
    # Before an opening bracket when there is one (keeps "(perceived value)" whole), else at
    # the space that makes the wider line narrowest.
    breaks = ([i for i, ch in enumerate(text) if ch in "(（" and i > 0]
              or [i for i, ch in enumerate(text) if ch in " /" and 0 < i < len(text) - 1])
    if not breaks:
        return text, size
    options = [f"{text[:i].rstrip()}\n{text[i:].lstrip()}" for i in breaks]
    wrapped = max(options, key=fit)
    return wrapped, min(0.9 * base, fit(wrapped))


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buf.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog and DOCTYPE for inline use


def scorecard_svg(rows: Sequence[dict], axis_label: str, ci_label: str | None = None) -> str:
    """Horizontal bars of 0-100 indices. ``rows``: {'label', 'value' (or None), 'valid'} and
    optionally 'level' (2: a dimension, drawn lighter) and 'ci_low'/'ci_high' (drawn as error
    bars; ``ci_label`` names them after the axis label)."""
    labels = [r["label"] for r in rows]
    with _style([*labels, axis_label, ci_label or ""]):
        fig = Figure(figsize=(7.5, 0.42 * len(rows) + 0.9))
        ax = fig.add_subplot()
        ys = list(range(len(rows)))[::-1]
        has_ci = False
        for y, r in zip(ys, rows, strict=True):
            v = r["value"]
            if v is None:
                ax.text(1, y, "n/a", va="center", color=MUTED)
                continue
            ax.barh(y, v, height=0.62, color=ACCENT if r["valid"] else BAD,
                    alpha=1.0 if r.get("level", 1) == 1 else 0.55)
            lo, hi = r.get("ci_low"), r.get("ci_high")
            end = v
            if lo is not None and hi is not None:
                has_ci = True
                ax.errorbar(v, y, xerr=[[max(v - lo, 0.0)], [max(hi - v, 0.0)]], fmt="none",
                            ecolor=INK, elinewidth=1.1, capsize=3.5, capthick=1.1, zorder=3)
                end = max(v, hi)
            ax.text(end + 1.2, y, f"{v:.1f}", va="center", color=INK)
        ax.set_yticks(ys, labels)
        ax.set_xlim(0, 100)
        ax.set_xlabel(f"{axis_label}; {ci_label}" if has_ci and ci_label else axis_label)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.grid(axis="x", color="#e4e7eb", linewidth=0.8)
        ax.set_axisbelow(True)
        return _svg(fig)


def comparison_svg(rows: Sequence[dict], names: tuple[str, str], axis_label: str) -> str:
    """Two estimates of each parameter on one line (a dumbbell chart).

    ``rows``: {'label', 'a', 'b', 'flagged'}; ``names``: the two estimators' names, in the
    order of 'a' and 'b'. Flagged rows are drawn in red.
    """
    labels = [r["label"] for r in rows]
    with _style([*labels, *names, axis_label]):
        fig = Figure(figsize=(7.5, 0.36 * len(rows) + 1.2))
        ax = fig.add_subplot()
        ys = list(range(len(rows)))[::-1]
        for y, r in zip(ys, rows, strict=True):
            color = BAD if r["flagged"] else MUTED
            ax.plot([r["a"], r["b"]], [y, y], color=color, linewidth=1.6 if r["flagged"] else 1.0,
                    zorder=1)
        ax.scatter([r["a"] for r in rows], ys, s=36, color=ACCENT, zorder=3, label=names[0])
        ax.scatter([r["b"] for r in rows], ys, s=36, facecolor="white", edgecolor=INK,
                   linewidth=1.3, zorder=3, label=names[1])
        ax.axvline(0, color=MUTED, linewidth=0.8)
        ax.set_yticks(ys, labels)
        for tick, r in zip(ax.get_yticklabels(), rows, strict=True):
            if r["flagged"]:
                tick.set_color(BAD)
        ax.set_xlabel(axis_label)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.grid(axis="x", color="#e4e7eb", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
        return _svg(fig)


def path_diagram_svg(nodes: Sequence[dict], edges: Sequence[dict],
                     dimensions: Sequence[dict] = ()) -> str:
    """The structural model: latents as boxes by causal layer, arrows with standardized paths.

    ``nodes``: {'id', 'label', 'layer', 'index', 'r2'}; ``edges``: {'from', 'to', 'std',
    'significant'} and optionally 'tested' (False: no p-value, drawn solid without a star); ``dimensions``: {'id', 'label', 'parent', 'loading'} (second-order).
    """
    texts = [n["label"] for n in nodes] + [d["label"] for d in dimensions]
    layers: dict[int, list[dict]] = {}
    for n in nodes:
        layers.setdefault(n["layer"], []).append(n)
    pos: dict[str, tuple[float, float]] = {}
    for layer, members in layers.items():
        k = len(members)
        for j, n in enumerate(members):
            # A lone latent zig-zags by layer so arrows that skip a layer pass beside boxes.
            y = (0.9 if layer % 2 else -0.9) if k == 1 else (k - 1) / 2 * 1.8 - j * 1.8
            pos[n["id"]] = (layer * 2.3, y)
    width = max(x for x, _ in pos.values()) + 2.3
    with _style(texts):
        fig_width = max(7.5, width * 0.8)
        fig = Figure(figsize=(fig_width, 5.2 if dimensions else 3.6))
        renderer = FigureCanvasAgg(fig).get_renderer()  # measures labels to fit their boxes
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(-1.1, width - 1.2)
        pt_per_unit = fig_width * 72 / (width - 0.1)
        ax.set_ylim(-3.9 if dimensions else -2.2, 2.2)
        ax.axis("off")
        bw, bh = 1.8, 0.95
        boxes = {}
        for n in nodes:
            x, y = pos[n["id"]]
            boxes[n["id"]] = ax.add_patch(FancyBboxPatch(
                (x - bw / 2, y - bh / 2), bw, bh, boxstyle="round,pad=0.02,rounding_size=0.12",
                fc="#eef4ff", ec=ACCENT, lw=1.4, zorder=2))
            text, size = _fit_label(renderer, n["label"], 11, 0.9 * bw * pt_per_unit, "bold")
            ax.text(x, y + (0.2 if "\n" in text else 0.17), text, ha="center", va="center",
                    fontsize=size, linespacing=1.05, weight="bold", color=INK, zorder=3)
            sub = [] if n["index"] is None else [f"{n['index']:.1f}"]
            if n["r2"] is not None:
                sub.append(f"R² {n['r2']:.2f}")
            ax.text(x, y - 0.2, "  ".join(sub), ha="center", va="center", fontsize=9.5,
                    color="#52606d", zorder=3)
        for e in edges:
            # Dashed: tested and not significant; an untested path (no p-value) stays solid.
            weak = e.get("tested", True) and not e["significant"]
            (x0, y0), (x1, y1) = pos[e["from"]], pos[e["to"]]
            span = abs(x1 - x0) / 2.3
            rad = 0.0 if span <= 1 else (0.22 if y0 >= 0 else -0.22)
            # patchA/patchB clip the arrow at the box outlines, so every head is visible.
            ax.add_patch(FancyArrowPatch(
                (x0, y0), (x1, y1), connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>",
                mutation_scale=14, color=MUTED if weak else INK,
                linewidth=0.9 if weak else 1.5, linestyle="--" if weak else "-",
                patchA=boxes[e["from"]], patchB=boxes[e["to"]], shrinkA=2, shrinkB=2,
                zorder=1))
            dx, dy = x1 - x0, y1 - y0
            # The arc3 curve is a quadratic Bezier through this control point; its label goes at
            # the midpoint, or slides along the curve until it no longer covers a box.
            cx, cy = (x0 + x1) / 2 + rad * dy, (y0 + y1) / 2 - rad * dx
            for t in (0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74):
                mx = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t ** 2 * x1
                my = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t ** 2 * y1
                if not any(abs(mx - bx) < bw / 2 + 0.22 and abs(my - by) < bh / 2 + 0.12
                           for bx, by in pos.values()):
                    break
            else:
                t = 0.5
                mx = 0.25 * x0 + 0.5 * cx + 0.25 * x1
                my = 0.25 * y0 + 0.5 * cy + 0.25 * y1
            star = "*" if e["significant"] else ""
            ax.text(mx, my, f"{e['std']:.2f}{star}", ha="center", va="center", fontsize=10,
                    color=INK, zorder=3,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})
        for parent in {d["parent"] for d in dimensions}:
            dims = [d for d in dimensions if d["parent"] == parent]
            px, py = pos[parent]
            k = len(dims)
            for j, d in enumerate(dims):
                x = px + (j - (k - 1) / 2) * 1.3
                y = -3.2
                ax.add_patch(FancyBboxPatch((x - 0.55, y - 0.32), 1.1, 0.64,
                                            boxstyle="round,pad=0.02,rounding_size=0.1",
                                            fc="#f5f7fa", ec=MUTED, lw=1.0, zorder=2))
                text, size = _fit_label(renderer, d["label"], 9, 0.92 * 1.1 * pt_per_unit)
                ax.text(x, y + (0.1 if "\n" in text else 0.08), text, ha="center",
                        va="center", fontsize=size, linespacing=1.0, color=INK, zorder=3)
                if d["index"] is not None:
                    ax.text(x, y - 0.17, f"{d['index']:.1f}", ha="center", va="center",
                            fontsize=8.5, color="#52606d", zorder=3)
                ax.add_patch(FancyArrowPatch((px, py - bh / 2), (x, y + 0.32), arrowstyle="-|>",
                                             mutation_scale=9, color=MUTED, lw=0.8, zorder=1))
                t = 0.55
                ax.text(px + (x - px) * t, (py - bh / 2) + (y + 0.32 - py + bh / 2) * t,
                        "n/a" if d["loading"] is None or math.isnan(d["loading"])
                        else f"{d['loading']:.2f}",
                        fontsize=8.5, ha="center", va="center", color=INK, zorder=3,
                        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none"})
        return _svg(fig)
