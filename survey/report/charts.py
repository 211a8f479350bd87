"""Report charts as inline SVG strings, drawn on ``matplotlib.figure.Figure`` (no pyplot
global state). Text is converted to paths (``svg.fonttype = 'path'``) so Chinese renders on any
viewer without fonts; the SVG is byte-stable (fixed hash salt, no date) for golden tests.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

# A Figure on its own Agg canvas needs no pyplot and no backend switch: importing this module
# leaves a notebook's backend as it was.
import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

CJK_FAMILIES = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC"]
_CJK = re.compile(r"[\u3000-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
INK, MUTED, ACCENT, GOOD, BAD = "#1f2933", "#7b8794", "#1f6feb", "#2f855a", "#c53030"


#: The fonts a reader's browser draws chart text with: charts keep their text as SVG text
#: (``svg.fonttype = none``), so no font has to exist where the report is made, and Chinese
#: comes from the reader's own CJK font (per-glyph fallback: Latin from the first family).
FONT_STACK = ("'DejaVu Sans', 'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', "
              "'Microsoft YaHei', 'Helvetica Neue', Arial, sans-serif")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed CJK font family, or None.

    matplotlib keeps its list of fonts in a cache file made the first time it ran: a CJK font
    installed afterwards (say, by scripts/test.sh after the demo ran) is not in it, and every
    Chinese label would stay an empty box. So when no CJK family is known, the fonts on the
    system whose file names say CJK are added to the list before giving up."""
    family = _known_cjk_family()
    if family is None:
        added = [path for path in font_manager.findSystemFonts() if "CJK" in Path(path).name]
        for path in added:
            font_manager.fontManager.addfont(path)
        family = _known_cjk_family()
        if family is not None:
            # Write the completed list back, so later runs do not scan again.
            cache = (Path(matplotlib.get_cachedir())
                     / f"fontlist-v{font_manager.FontManager.__version__}.json")
            if cache.exists():
                font_manager.json_dump(font_manager.fontManager, cache)
    return family


def _known_cjk_family() -> str | None:
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
    """rc settings for a chart whose labels are ``texts``. Text stays text in the SVG (the
    reader's browser draws it, see :data:`FONT_STACK`); the fonts here only measure it for the
    layout: a CJK font when one is installed, else CJK characters are measured as one em each
    (:func:`_text_width`) and matplotlib's missing-glyph warnings are beside the point."""
    family = ["DejaVu Sans"]
    cjk = cjk_font() if any(_CJK.search(t) for t in texts) else None
    if cjk is not None:
        family = [cjk, "DejaVu Sans"]
    rc = {"font.family": family, "svg.fonttype": "none", "svg.hashsalt": "csi-survey",
          "font.size": 10, "axes.edgecolor": MUTED, "axes.labelcolor": INK,
          "xtick.color": MUTED, "ytick.color": INK}
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        yield


def _text_width(renderer, text: str, size: float, weight: str) -> float:
    """Width in points of ``text`` drawn at ``size`` with the current rc fonts; without an
    installed CJK font its CJK characters count one em each (their width in any CJK font)."""
    prop = font_manager.FontProperties(size=size, weight=weight)
    wide = _CJK.findall(text)
    if wide and cjk_font() is None:
        rest = _CJK.sub("", text)
        width = renderer.get_text_width_height_descent(rest, prop, ismath=False)[0] if rest \
            else 0.0
        return width * 72 / renderer.dpi + size * len(wide)
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
    text = _FONT_FAMILY.sub(f"font-family: {FONT_STACK}", text)
    return text[text.index("<svg"):]  # drop the XML prolog and DOCTYPE for inline use


#: matplotlib's font-family in a text element's style (the fonts it measured with).
_FONT_FAMILY = re.compile(r"font-family: [^;\"]+")


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
                     dimensions: Sequence[dict] = (), geometry: dict | None = None) -> str:
    """The structural model: latents as boxes by causal layer, arrows with standardized paths.

    ``geometry``, when given, is filled with what was drawn, in display units: ``boxes`` {id:
    (x_min, y_min, x_max, y_max)}, ``curves`` {(from, to): points of the arrow}, ``labels``
    {(from, to): (x, y) of its coefficient} (for tests of the layout).

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
        routes = route_edges(ax, pos, [(e["from"], e["to"]) for e in edges], bw, bh)
        if geometry is not None:
            geometry.update(boxes=box_extents(ax, pos, bw, bh), curves={}, labels={})
        for e in edges:
            # Dashed: tested and not significant; an untested path (no p-value) stays solid.
            weak = e.get("tested", True) and not e["significant"]
            (x0, y0), (x1, y1) = pos[e["from"]], pos[e["to"]]
            rad, clear = routes[(e["from"], e["to"])]
            # patchA/patchB clip the arrow at the box outlines, so every head is visible. An
            # arrow is routed around the boxes it would cross (route_edges); one that cannot be
            # is drawn above them, never hidden under a box it seems to leave.
            ax.add_patch(FancyArrowPatch(
                (x0, y0), (x1, y1), connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>",
                mutation_scale=14, color=MUTED if weak else INK,
                linewidth=0.9 if weak else 1.5, linestyle="--" if weak else "-",
                patchA=boxes[e["from"]], patchB=boxes[e["to"]], shrinkA=2, shrinkB=2,
                zorder=1 if clear else 2.5))
            # Its label at the curve's midpoint, or slid along the curve until it no longer
            # covers a box.
            curve = edge_curve(ax, (x0, y0), (x1, y1), rad, 21)
            to_data = ax.transData.inverted()
            for k in (10, 8, 12, 7, 13, 5, 15):
                mx, my = to_data.transform(curve[k])
                if not any(abs(mx - bx) < bw / 2 + 0.22 and abs(my - by) < bh / 2 + 0.12
                           for bx, by in pos.values()):
                    break
            else:
                mx, my = to_data.transform(curve[10])
            if geometry is not None:
                geometry["curves"][(e["from"], e["to"])] = edge_curve(ax, (x0, y0), (x1, y1),
                                                                      rad)
                geometry["labels"][(e["from"], e["to"])] = tuple(ax.transData.transform((mx, my)))
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


#: Colours of the importance-performance quadrants: the point, and the area's light tint.
QUADRANT_COLORS = {"improve_first": (BAD, "#fdf0f0"), "keep_up": (GOOD, "#eff7f2"),
                   "low_priority": (MUTED, "#f6f7f9"), "possible_overkill": ("#b7791f", "#fcf7ec")}


#: Curvatures tried for an arrow, least bent first (matplotlib's arc3 ``rad``).
ROUTES = (0.0, 0.15, 0.25, 0.35, 0.5, 0.65, 0.8)


def edge_curve(ax, start: tuple[float, float], end: tuple[float, float], rad: float,
               n: int = 64) -> np.ndarray:
    """Points (n, 2), in display units, of the arrow ``start`` -> ``end`` drawn with
    ``connectionstyle=arc3,rad``: a quadratic Bezier whose control point lies ``rad`` x the
    chord's length off the chord's midpoint, computed in display space as matplotlib does."""
    p0, p2 = ax.transData.transform([start, end])
    d = p2 - p0
    c = (p0 + p2) / 2 + rad * np.array([d[1], -d[0]])
    t = np.linspace(0.0, 1.0, n)[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * c + t ** 2 * p2


def box_extents(ax, pos: Mapping[str, tuple[float, float]], bw: float, bh: float
                ) -> dict[str, np.ndarray]:
    """Each box as (x_min, y_min, x_max, y_max) in display units."""
    out = {}
    for k, (x, y) in pos.items():
        (a, b), (c, d) = ax.transData.transform([(x - bw / 2, y - bh / 2),
                                                 (x + bw / 2, y + bh / 2)])
        out[k] = np.array([min(a, c), min(b, d), max(a, c), max(b, d)])
    return out


def crossings(curve: np.ndarray, box: np.ndarray, margin: float = 3.0) -> int:
    """How many points of ``curve`` lie inside ``box`` widened by ``margin`` display units."""
    x, y = curve[:, 0], curve[:, 1]
    return int(np.sum((x > box[0] - margin) & (x < box[2] + margin)
                      & (y > box[1] - margin) & (y < box[3] + margin)))


def route_edges(ax, pos: Mapping[str, tuple[float, float]],
                edges: Sequence[tuple[str, str]], bw: float, bh: float
                ) -> dict[tuple[str, str], tuple[float, bool]]:
    """For every edge the least bent arc (``rad``) that passes no other box, and whether one
    was found (else the arc crossing the fewest box points)."""
    boxes = box_extents(ax, pos, bw, bh)
    out = {}
    for a, b in edges:
        others = [box for k, box in boxes.items() if k not in (a, b)]
        # Bend away from the diagram's middle first (upper arrows up, lower ones down).
        sign = 1.0 if pos[a][1] >= 0 else -1.0
        best, best_hits = 0.0, None
        for magnitude in ROUTES:
            for rad in ((sign * magnitude, -sign * magnitude) if magnitude else (0.0,)):
                curve = edge_curve(ax, pos[a], pos[b], rad)
                hits = sum(crossings(curve, box) for box in others)
                if best_hits is None or hits < best_hits:
                    best, best_hits = rad, hits
                if hits == 0:
                    break
            if best_hits == 0:
                break
        out[(a, b)] = (best, best_hits == 0)
    return out


def _overlap(a, b) -> float:
    """Area shared by two display-space bounding boxes."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def _place_labels(ax, renderer, points: Sequence[tuple[float, float, str, str]],
                  obstacles: list, size: float) -> None:
    """Label each point (x, y, text, colour) beside it, at the first of a few positions whose
    box overlaps no other label, point or ``obstacles`` and stays inside the axes (greedy; the
    least overlap when none is free)."""
    from matplotlib.transforms import Bbox

    frame = ax.get_window_extent(renderer)
    scale = ax.figure.dpi / 72
    marks = [Bbox.from_bounds(*(ax.transData.transform((x, y)) - 5 * scale), 10 * scale,
                              10 * scale) for x, y, _, _ in points]
    taken = list(obstacles) + marks
    spots = [(7, 0, "left", "center"), (-7, 0, "right", "center"), (0, 7, "center", "bottom"),
             (0, -7, "center", "top"), (6, 6, "left", "bottom"), (6, -6, "left", "top"),
             (-6, 6, "right", "bottom"), (-6, -6, "right", "top")]
    spots += [(dx * 2.2, dy * 2.2, ha, va) for dx, dy, ha, va in spots[2:]]
    for k, (x, y, text, color) in enumerate(points):
        best = None
        for dx, dy, ha, va in spots:
            label = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points",
                                ha=ha, va=va, fontsize=size, color=color, zorder=4)
            box = label.get_window_extent(renderer).expanded(1.04, 1.1)
            outside = (box.x0 < frame.x0 or box.x1 > frame.x1 or box.y0 < frame.y0
                       or box.y1 > frame.y1)
            cost = sum(_overlap(box, o) for i, o in enumerate(taken)
                       if i != len(obstacles) + k) + (1e6 if outside else 0.0)
            if best is None or cost < best[0]:
                if best is not None:
                    best[1].remove()
                best = (cost, label, box)
            else:
                label.remove()
            if cost == 0:
                break
        taken.append(best[2])


def ipma_svg(panels: Sequence[dict], x_label: str, y_label: str,
             quadrant_names: dict[str, str]) -> str:
    """Importance-performance maps side by side (Ringle & Sarstedt 2016, fig. 2).

    ``panels``: {'title', 'mean_importance', 'mean_performance', 'points': [{'label',
    'importance', 'performance', 'quadrant'}]}: importance across, performance up, dashed
    lines at the means, the four areas tinted and named in their corners, each point coloured
    by its quadrant and labelled. ``quadrant_names``: quadrant code -> name.
    """
    texts = [x_label, y_label, *quadrant_names.values()]
    texts += [p["title"] for p in panels] + [q["label"] for p in panels for q in p["points"]]
    with _style(texts):
        fig = Figure(figsize=(5.0 * len(panels) + 0.4, 4.7))
        renderer = FigureCanvasAgg(fig).get_renderer()
        axes = fig.subplots(1, len(panels), squeeze=False)[0]
        fig.subplots_adjust(wspace=0.22)
        for ax, panel in zip(axes, panels, strict=True):
            pts = panel["points"]
            xs = [p["importance"] for p in pts]
            ys = [p["performance"] for p in pts]
            mx, my = panel["mean_importance"], panel["mean_performance"]
            lo_x, hi_x = min(0.0, *xs), max(*xs, mx)
            span = (hi_x - lo_x) or 1.0
            xlim = (lo_x - (0.08 * span if lo_x < 0 else 0.0), hi_x + 0.3 * span)
            lo_y, hi_y = min(*ys, my), max(*ys, my)
            yspan = max(hi_y - lo_y, 6.0)
            ylim = (max(0.0, lo_y - 0.3 * yspan), min(100.0, hi_y + 0.3 * yspan))
            ax.set_xlim(*xlim)
            ax.set_ylim(*ylim)
            # The four areas, tinted; improve-first (important, weak) is bottom right.
            for code, (x0, x1), (y0, y1) in (
                    ("improve_first", (mx, xlim[1]), (ylim[0], my)),
                    ("keep_up", (mx, xlim[1]), (my, ylim[1])),
                    ("low_priority", (xlim[0], mx), (ylim[0], my)),
                    ("possible_overkill", (xlim[0], mx), (my, ylim[1]))):
                ax.fill_between([x0, x1], y0, y1, color=QUADRANT_COLORS[code][1], zorder=0,
                                linewidth=0)
            ax.axvline(mx, color=MUTED, linestyle="--", linewidth=1.0, zorder=1)
            ax.axhline(my, color=MUTED, linestyle="--", linewidth=1.0, zorder=1)
            obstacles = []
            for code, x, y, ha, va in (
                    ("improve_first", 0.98, 0.03, "right", "bottom"),
                    ("keep_up", 0.98, 0.97, "right", "top"),
                    ("low_priority", 0.02, 0.03, "left", "bottom"),
                    ("possible_overkill", 0.02, 0.97, "left", "top")):
                corner = ax.text(x, y, quadrant_names[code], transform=ax.transAxes, ha=ha,
                                 va=va, fontsize=10, weight="bold", zorder=1,
                                 color=QUADRANT_COLORS[code][0], alpha=0.55)
                obstacles.append(corner.get_window_extent(renderer))
            for p in pts:
                color = QUADRANT_COLORS[p["quadrant"]][0]
                ax.scatter([p["importance"]], [p["performance"]], s=46, color=color,
                           edgecolor="white", linewidth=0.8, zorder=3,
                           marker="D" if p.get("kind") == "dimension" else "o")
            _place_labels(ax, renderer, [(p["importance"], p["performance"], p["label"], INK)
                                         for p in pts], obstacles, 9)
            ax.set_title(panel["title"], fontsize=11, color=INK, loc="left")
            ax.set_xlabel(x_label)
            ax.set_ylabel(y_label)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
        return _svg(fig)


def _ink_on(color) -> str:
    """Black or white, whichever reads on ``color``."""
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(color)
    return INK if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"


def _stacked(ax, rows: Sequence[dict], keys: Sequence[str], colors: Sequence,
             min_share: float) -> None:
    """100 % bars, one per row ({'label', 'shares': {key: share}}), the shares written in the
    segments wide enough for them."""
    ys = list(range(len(rows)))[::-1]
    for y, r in zip(ys, rows, strict=True):
        left = 0.0
        for key, color in zip(keys, colors, strict=True):
            share = r["shares"].get(key) or 0.0
            if share <= 0:
                continue
            ax.barh(y, share, left=left, height=0.62, color=color, edgecolor="white",
                    linewidth=0.6)
            if share >= min_share:
                ax.text(left + share / 2, y, f"{100 * share:.0f}%", ha="center", va="center",
                        fontsize=8.5, color=_ink_on(color))
            left += share
    ax.set_yticks(ys, [r["label"] for r in rows])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: f"{100 * v:.0f}%")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def distribution_svg(rows: Sequence[dict], points: Sequence[str], axis_label: str) -> str:
    """The answers to rating questions as 100 % bars, one per question, one segment per scale
    point from red (lowest) to green (highest). ``rows``: {'label', 'shares': {point: share}};
    ``points``: the scale points in order."""
    from matplotlib import colormaps
    from matplotlib.patches import Patch

    cmap = colormaps["RdYlGn"]
    colors = [cmap(0.06 + 0.88 * k / max(len(points) - 1, 1)) for k in range(len(points))]
    with _style([r["label"] for r in rows] + [axis_label]):
        fig = Figure(figsize=(7.5, 0.5 * len(rows) + 1.3))
        ax = fig.add_subplot()
        _stacked(ax, rows, points, colors, 0.06)
        ax.set_xlabel(axis_label)
        ax.legend(handles=[Patch(color=c, label=p) for p, c in zip(points, colors, strict=True)],
                  loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(points),
                  frameon=False, handlelength=1.2, columnspacing=0.9, fontsize=9)
        return _svg(fig)


def tiers_svg(rows: Sequence[dict], tiers: Sequence[tuple[str, str]], axis_label: str) -> str:
    """Customer value tiers: the share of customers and the share of value of each tier as two
    100 % bars (the 80/20 pattern). ``rows``: {'label', 'shares': {tier: share}};
    ``tiers``: (code, name), highest tier first."""
    from matplotlib.patches import Patch

    colors = ["#243b53", "#d69e2e", "#829ab1", "#d9e2ec"][:len(tiers)]
    with _style([r["label"] for r in rows] + [n for _, n in tiers] + [axis_label]):
        fig = Figure(figsize=(7.5, 2.3))
        ax = fig.add_subplot()
        _stacked(ax, rows, [c for c, _ in tiers], colors, 0.04)
        ax.set_xlabel(axis_label)
        ax.legend(handles=[Patch(color=c, label=n) for (_, n), c in zip(tiers, colors,
                                                                          strict=True)],
                  loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(tiers),
                  frameon=False, fontsize=9)
        return _svg(fig)


#: Colours and markers of the series of a trend chart (one per brand or group), in order.
SERIES_COLORS = (ACCENT, "#dd6b20", "#805ad5", "#2c7a7b", "#b83280", "#718096", "#975a16")
SERIES_MARKERS = ("o", "s", "^", "D", "v", "P", "X")


def _plain(text: str) -> str:
    """``text`` for matplotlib without mathtext: a '$' in a brand name is a dollar sign."""
    return text.replace("$", r"\$")


def trend_svg(panels: Sequence[dict], waves: Sequence[str], series: Sequence[str],
              ncols: int = 4) -> str:
    """Small multiples of 0-100 indices across waves: one panel per construct, one line per
    series (brand or group), the bootstrap interval of each point as an error bar.

    ``panels``: {'title', 'dimension' (bool: drawn with a lighter title), 'lines': [{'series'
    (index into ``series``), 'points': [{'wave' (index into ``waves``), 'value', 'ci_low',
    'ci_high', optionally 'valid' (False: an invalid index, drawn hollow)}], 'significant':
    [bool per consecutive pair of points]}]}. A step whose change is significant is drawn
    solid, the others dashed. Every panel shares one y range, so a
    rise of 3 points looks the same size everywhere.
    """
    texts = [p["title"] for p in panels] + list(series) + list(waves)
    values = [v for p in panels for line in p["lines"] for pt in line["points"]
              for v in (pt["value"], pt.get("ci_low"), pt.get("ci_high")) if v is not None]
    lo, hi = (min(values), max(values)) if values else (0.0, 100.0)
    pad = max(2.0, 0.08 * (hi - lo))
    ylim = (max(0.0, math.floor(lo - pad)), min(100.0, math.ceil(hi + pad)))
    k = len(series)
    dodge = [(j - (k - 1) / 2) * min(0.08, 0.3 / max(k, 1)) for j in range(k)]
    with _style(texts):
        ncols = max(1, min(ncols, len(panels)))
        nrows = max(1, math.ceil(len(panels) / ncols))
        height = 2.2 * nrows + 0.45
        width = 2.6 * ncols + 0.5
        fig = Figure(figsize=(width, height))
        renderer = FigureCanvasAgg(fig).get_renderer()  # measures titles to fit their panel
        axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True)
        fig.subplots_adjust(left=0.45 / width, right=1 - 0.1 / width, wspace=0.12,
                            hspace=0.62, top=1 - 0.55 / height, bottom=0.25 / height)
        # A title wider than 85 % of its panel is wrapped (or shrunk) to stay clear of the next.
        title_width = 0.85 * 72 * (width - 0.55) / (ncols + 0.12 * (ncols - 1))
        for n, ax in enumerate(axes.flat):
            if n >= len(panels):
                ax.set_visible(False)
                continue
            panel = panels[n]
            for line in panel["lines"]:
                j = line["series"]
                color = SERIES_COLORS[j % len(SERIES_COLORS)]
                marker = SERIES_MARKERS[j % len(SERIES_MARKERS)]
                pts = sorted(line["points"], key=lambda pt: pt["wave"])
                xs = [pt["wave"] + dodge[j] for pt in pts]
                ys = [pt["value"] for pt in pts]
                flags = list(line.get("significant", ()))
                for s in range(len(pts) - 1):
                    if pts[s + 1]["wave"] != pts[s]["wave"] + 1:
                        continue  # a wave without an estimate: no line across the gap
                    strong = s < len(flags) and bool(flags[s])
                    ax.plot(xs[s:s + 2], ys[s:s + 2], color=color,
                            linewidth=1.8 if strong else 1.0,
                            linestyle="-" if strong else (0, (3, 2)), zorder=2)
                for x, pt in zip(xs, pts, strict=True):
                    if pt.get("ci_low") is not None and pt.get("ci_high") is not None:
                        ax.errorbar(x, pt["value"], yerr=[[max(pt["value"] - pt["ci_low"], 0.0)],
                                                          [max(pt["ci_high"] - pt["value"], 0.0)]],
                                    fmt="none", ecolor=color, elinewidth=0.9, capsize=2.5,
                                    capthick=0.9, zorder=3)
                for x, pt in zip(xs, pts, strict=True):
                    valid = pt.get("valid", True)
                    ax.scatter([x], [pt["value"]], s=22, marker=marker, zorder=4,
                               color=color if valid else "white",
                               edgecolor="white" if valid else color,
                               linewidth=0.6 if valid else 1.1)
            title, size = _fit_label(renderer, _plain(panel["title"]), 9.5, title_width,
                                     "normal" if panel.get("dimension") else "bold")
            ax.set_title(title, fontsize=size, loc="left", linespacing=1.05,
                         color="#52606d" if panel.get("dimension") else INK,
                         weight="normal" if panel.get("dimension") else "bold")
            ax.set_xlim(-0.4, len(waves) - 0.6)
            ax.set_xticks(range(len(waves)), [_plain(w) for w in waves], fontsize=8.5)
            ax.set_ylim(*ylim)
            ax.tick_params(axis="y", labelsize=8.5)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            ax.grid(axis="y", color="#e4e7eb", linewidth=0.8)
            ax.set_axisbelow(True)
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color=SERIES_COLORS[j % len(SERIES_COLORS)],
                          marker=SERIES_MARKERS[j % len(SERIES_MARKERS)], linewidth=1.8,
                          label=_plain(name)) for j, name in enumerate(series)]
        fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 1.0),
                   ncol=min(len(handles), 6), frameon=False, fontsize=9.5)
        return _svg(fig)


def change_svg(rows: Sequence[dict], axis_label: str) -> str:
    """Changes of the 0-100 indices between two waves with their intervals (a forest plot).

    ``rows``: {'label', 'change', 'ci_low', 'ci_high', 'direction' ('rise', 'fall' or ''
    for no significant change), 'comparable' (False: drawn hollow and grey)}; the first row is
    drawn on top. Significant rises are green, falls red, the rest grey.
    """
    with _style([r["label"] for r in rows] + [axis_label]):
        fig = Figure(figsize=(7.5, 0.32 * len(rows) + 0.9))
        ax = fig.add_subplot()
        ys = list(range(len(rows)))[::-1]
        colors = {"rise": GOOD, "fall": BAD}
        for y, r in zip(ys, rows, strict=True):
            if r["change"] is None:
                continue
            comparable = r.get("comparable") is not False
            color = colors.get(r["direction"], MUTED) if comparable else "#9aa5b1"
            if r.get("ci_low") is not None and r.get("ci_high") is not None:
                ax.plot([r["ci_low"], r["ci_high"]], [y, y], color=color, linewidth=1.6,
                        solid_capstyle="butt", zorder=2)
            ax.scatter([r["change"]], [y], s=34, zorder=3,
                       color=color if comparable else "white", edgecolor=color, linewidth=1.3)
        ax.axvline(0, color=INK, linewidth=0.8, zorder=1)
        ax.set_yticks(ys, [_plain(r["label"]) for r in rows])
        for tick, r in zip(ax.get_yticklabels(), rows, strict=True):
            if r.get("comparable") is False:
                tick.set_color("#9aa5b1")
        span = max([abs(v) for r in rows for v in (r["change"], r.get("ci_low"), r.get("ci_high"))
                    if v is not None] or [1.0])
        ax.set_xlim(-1.1 * span, 1.1 * span)
        ax.set_xlabel(axis_label)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.grid(axis="x", color="#e4e7eb", linewidth=0.8)
        ax.set_axisbelow(True)
        return _svg(fig)
