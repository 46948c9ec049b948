"""The repository's default pipeline.yaml is accepted by the engine (validated, no kernel started)."""

from __future__ import annotations

import pytest
from pipeline_helpers import ROOT

from climpy.pipeline import load_pipeline, validate
from climpy.pipeline.dag import descendants

PIPELINE = ROOT / "pipeline.yaml"


@pytest.mark.skipif(not PIPELINE.is_file(), reason="no pipeline.yaml at the repository root yet")
def test_default_pipeline_validates_and_keeps_the_ipsl_order(tmp_path):
    pipe = validate(load_pipeline(PIPELINE), project=tmp_path)
    graph = {n: s.upstream for n, s in pipe.steps.items()}
    order = pipe.order()
    assert order[0] == "regrid" and descendants(graph, "regrid") == set(order[1:])
    assert {"routing", "bathymetry", "passages"} <= descendants(graph, "internal_oceans")
    assert "pft" in descendants(graph, "routing")
    assert {"subbasins", "heatflow", "ahmcoef"} <= descendants(graph, "passages")
    assert "passages" in descendants(graph, "bathymetry")
    assert "weights" in descendants(graph, "routing") & descendants(graph, "passages")
