"""Graph helpers: order, cycles, descendants, layers (with a property test on random DAGs)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from climpy.pipeline.dag import descendants, find_cycle, layers, topological_order

G = {
    "regrid": [],
    "oceans": ["regrid"],
    "routing": ["oceans"],
    "bathy": ["routing"],
    "pft": ["routing"],
    "passages": ["bathy"],
    "heatflow": ["passages"],
    "ahmcoef": ["passages"],
}


def test_order_descendants_layers():
    order = topological_order(G)
    assert order[:3] == ["regrid", "oceans", "routing"]
    assert descendants(G, "bathy") == {"passages", "heatflow", "ahmcoef"}
    assert descendants(G, "pft") == set()
    assert layers(G)["heatflow"] == 5


def test_cycles():
    assert find_cycle(G) is None
    cyc = find_cycle({**G, "regrid": ["heatflow"]})
    assert cyc[0] == cyc[-1] and {"regrid", "heatflow"} <= set(cyc)
    assert find_cycle({"a": ["a"]}) == ["a", "a"]
    with pytest.raises(ValueError, match="cycle"):
        topological_order({"a": ["b"], "b": ["a"]})


@st.composite
def dags(draw):
    n = draw(st.integers(1, 25))
    names = [f"s{i}" for i in range(n)]
    return {names[i]: draw(st.lists(st.sampled_from(names[:i]), unique=True)) if i else [] for i in range(n)}


@pytest.mark.properties
@settings(max_examples=60, deadline=None)
@given(dags())
def test_topological_order_respects_every_edge(graph):
    order = topological_order(graph)
    pos = {n: i for i, n in enumerate(order)}
    assert sorted(order) == sorted(graph)
    assert all(pos[u] < pos[n] for n, ups in graph.items() for u in ups)
    assert find_cycle(graph) is None
    for n in graph:
        assert all(pos[d] > pos[n] for d in descendants(graph, n))
