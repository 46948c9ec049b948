"""Small graph helpers for the pipeline DAG: order, cycles, descendants, layers.

A graph is a mapping ``node -> list of upstream nodes``. These are a few dozen lines, so we write
them rather than pull networkx into the core dependencies; every loop is iterative (no recursion).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["descendants", "find_cycle", "grid_layout", "layers", "topological_order"]


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """Return one cycle as ``[a, b, ..., a]`` or None if the graph is acyclic.

    Parameters
    ----------
    graph : mapping of str to iterable of str
        Node -> its upstream nodes (unknown upstream names are ignored).
    """
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    for root in sorted(graph):
        if colour[root] != white:
            continue
        stack: list[tuple[str, list[str]]] = [(root, sorted(u for u in graph[root] if u in graph))]
        path = [root]
        colour[root] = grey
        while stack:
            node, todo = stack[-1]
            if todo:
                nxt = todo.pop()
                if colour[nxt] == grey:
                    i = path.index(nxt)
                    return list(reversed(path[i:] + [nxt]))
                if colour[nxt] == white:
                    colour[nxt] = grey
                    path.append(nxt)
                    stack.append((nxt, sorted(u for u in graph[nxt] if u in graph)))
            else:
                colour[node] = black
                path.pop()
                stack.pop()
    return None


def topological_order(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """Kahn's order, ties broken by the mapping's order (deterministic); upstream first.

    Raises
    ------
    ValueError
        If the graph has a cycle (validate with :func:`find_cycle` first).
    """
    ups = {n: {u for u in graph[n] if u in graph} for n in graph}
    downs: dict[str, list[str]] = {n: [] for n in graph}
    for n, us in ups.items():
        for u in us:
            downs[u].append(n)
    rank = {n: i for i, n in enumerate(graph)}
    indeg = {n: len(us) for n, us in ups.items()}
    ready = sorted((n for n, d in indeg.items() if d == 0), key=rank.__getitem__)
    out: list[str] = []
    while ready:
        n = ready.pop(0)
        out.append(n)
        for d in downs[n]:
            indeg[d] -= 1
            if indeg[d] == 0:
                ready.append(d)
                ready.sort(key=rank.__getitem__)
    if len(out) != len(ups):
        raise ValueError(f"cycle among {sorted(set(ups) - set(out))}")
    return out


def descendants(graph: Mapping[str, Iterable[str]], node: str) -> set[str]:
    """All nodes downstream of ``node`` (not including it)."""
    downs: dict[str, list[str]] = {n: [] for n in graph}
    for n, us in graph.items():
        for u in us:
            if u in downs:
                downs[u].append(n)
    seen: set[str] = set()
    todo = list(downs.get(node, []))
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo.extend(downs[n])
    return seen


def ancestors(graph: Mapping[str, Iterable[str]], node: str) -> set[str]:
    """All nodes upstream of ``node`` (not including it): what it needs to run."""
    seen: set[str] = set()
    todo = [u for u in graph.get(node, []) if u in graph]
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo.extend(u for u in graph[n] if u in graph)
    return seen


def layers(graph: Mapping[str, Iterable[str]]) -> dict[str, int]:
    """Depth of each node: 0 for sources, else 1 + the deepest upstream (for drawing the DAG)."""
    depth: dict[str, int] = {}
    for n in topological_order(graph):
        ups = [u for u in graph[n] if u in graph]
        depth[n] = 1 + max(depth[u] for u in ups) if ups else 0
    return depth


def grid_layout(
    graph: Mapping[str, Iterable[str]], *, dx: float, dy: float, margin: float
) -> tuple[dict[str, tuple[float, float]], float, float]:
    """Place each node in the column of its :func:`layers` depth, one row per node of that column.

    Returns the top-left corner of each node's box and the drawing's width and height (``dx`` and
    ``dy`` apart, ``margin`` on each side). ``graph`` must not be empty.
    """
    depth = layers(graph)
    cols: dict[int, list[str]] = {}
    for n in graph:
        cols.setdefault(depth[n], []).append(n)
    pos = {n: (margin + d * dx, margin + i * dy) for d, ns in cols.items() for i, n in enumerate(ns)}
    width = 2 * margin + (max(cols) + 1) * dx
    height = 2 * margin + max(len(ns) for ns in cols.values()) * dy
    return pos, width, height
