"""The path diagram's geometry: every arrow runs between boxes, never under a third box, and
carries its coefficient and significance off the boxes.

The bundled CCSI model drew Expectation -> Satisfaction straight under the Perceived-quality box
(arrows sat behind the boxes), so it looked as if quality had two arrows to satisfaction. The
tests measure what was drawn (``path_diagram_svg(..., geometry=...)``, display units) on the
bundled models and on generated path models.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from survey.pathmodel import load_model
from survey.report.charts import crossings, path_diagram_svg
from survey.report.context import causal_layers
from survey.resources import bundled


def diagram(latents, paths, order=None):
    class Model:  # the two questions causal_layers asks
        def causal_order(self):
            return order or list(latents)

        def predecessors(self, x):
            return [a for a, b in paths if b == x]

    layers = causal_layers(Model())
    nodes = [{"id": x, "label": x.capitalize(), "layer": layers[x], "index": 60.0, "r2": 0.4}
             for x in latents]
    edges = [{"from": a, "to": b, "std": 0.31, "significant": k % 2 == 0}
             for k, (a, b) in enumerate(paths)]
    geometry: dict = {}
    svg = path_diagram_svg(nodes, edges, geometry=geometry)
    return svg, geometry, edges


def assert_clear(geometry, edges):
    boxes = geometry["boxes"]
    for e in edges:
        key = (e["from"], e["to"])
        curve = geometry["curves"][key]
        for other, box in boxes.items():
            if other in key:
                continue
            assert crossings(curve, box) == 0, f"{key} passes under {other}"
        lx, ly = geometry["labels"][key]
        for other, box in boxes.items():
            assert not (box[0] < lx < box[2] and box[1] < ly < box[3]), f"label of {key} on {other}"


@pytest.mark.parametrize("name", ["ccsi", "acsi", "ecsi"])
def test_bundled_models_have_no_arrow_under_a_box(name):
    model = load_model(bundled("models") / f"{name}.yaml")
    svg, geometry, edges = diagram(list(model.causal_order()), list(model.paths),
                                   list(model.causal_order()))
    assert len(geometry["curves"]) == len(model.paths)
    assert_clear(geometry, edges)
    # Every arrow carries its coefficient; the significant ones their star.
    assert svg.count("0.31") >= len(edges)


def test_the_ccsi_expectation_arrow_goes_around_quality():
    model = load_model(bundled("models") / "ccsi.yaml")
    order = list(model.causal_order())
    _, geometry, _ = diagram(order, list(model.paths), order)
    curve = geometry["curves"][("expectation", "satisfaction")]
    quality = geometry["boxes"]["quality"]
    # The arc the diagram used to draw for every arrow skipping a layer (arc3, rad 0.22 away
    # from the middle) runs under the quality box; the drawn arrow does not.
    p0, p2 = curve[0], curve[-1]
    d = p2 - p0
    control = (p0 + p2) / 2 + 0.22 * np.array([d[1], -d[0]])
    t = np.linspace(0, 1, 64)[:, None]
    old = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * control + t ** 2 * p2
    assert crossings(old, quality) > 0
    assert crossings(curve, quality) == 0


@pytest.mark.parametrize("seed", range(6))
def test_generated_path_models_have_no_arrow_under_a_box(seed):
    rng = random.Random(seed)
    k = rng.randint(3, 7)
    latents = [f"c{i}" for i in range(k)]
    paths = [(latents[i], latents[j]) for i in range(k) for j in range(i + 1, k)
             if rng.random() < 0.45 or j == i + 1]
    _, geometry, edges = diagram(latents, paths)
    assert_clear(geometry, edges)
