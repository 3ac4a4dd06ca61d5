"""Components of a road network: how it falls apart into pieces that do not connect (a
road drawn a little short of the junction it should meet shows here)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from gisdesk.analysis.network import RoadNetwork

__all__ = ["ComponentsReport", "network_components"]


@dataclass(frozen=True)
class ComponentsReport:
    """How the network falls apart into pieces that do not connect.

    Attributes
    ----------
    count
        Number of weakly connected components.
    sizes
        Edges per component, largest first.
    main_share
        Share of the network's length in the largest component.
    small
        One row per component other than the largest: ``component``, ``n_edges``,
        ``length_m``, ``road_rows`` (row positions in the input layer) and ``geometry``.
    """

    count: int
    sizes: np.ndarray
    main_share: float
    small: pd.DataFrame


def network_components(network: RoadNetwork) -> ComponentsReport:
    """Report the network's connected components and its small disconnected pieces."""
    comp = network.component[network.edge_u]
    n = int(network.component.max()) + 1 if network.n_nodes else 0
    sizes = np.bincount(comp, minlength=n)
    length = np.bincount(comp, weights=network.edge_length, minlength=n)
    total = float(length.sum())
    rows = []
    order = np.argsort(comp, kind="stable")
    bounds = np.searchsorted(comp[order], np.arange(n + 1))
    for c in np.flatnonzero(sizes)[1:] if n else []:
        sel = order[bounds[c] : bounds[c + 1]]
        rows.append(
            {
                "component": int(c),
                "n_edges": int(sizes[c]),
                "length_m": float(length[c]),
                "road_rows": sorted({int(r) for r in network.edge_road[sel]}),
                "geometry": shapely.multilinestrings(network.edge_geometry[sel]),
            }
        )
    small = pd.DataFrame(
        rows, columns=["component", "n_edges", "length_m", "road_rows", "geometry"]
    )
    return ComponentsReport(
        count=int(np.count_nonzero(sizes)),
        sizes=np.sort(sizes[sizes > 0])[::-1],
        main_share=float(length[0] / total) if total > 0 else 0.0,
        small=small,
    )
