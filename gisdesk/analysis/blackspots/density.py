"""Network kernel density of accidents along the roads, and a raster heat map of it.

The roads are cut into *lixels* (short pieces of at most ``lixel_m``, default 50 m). Each
accident is placed on its lixel; its kernel (quartic, bandwidth ``bandwidth_m``, default
300 m) is evaluated at the network distance to every lixel centre within the bandwidth,
times the lixel's length, and normalised so that it sums to exactly 1 over the network.
Mass is therefore conserved: the lixel masses add up to the number of accidents, and the
density (accidents per km of road) integrates back to it.

Distances run over a graph of lixel centres and road junctions (scipy Dijkstra limited to
the bandwidth, sources in blocks), so the kernel follows the roads rather than crossing
fields. Accidents are taken at their lixel's centre (at most ``lixel_m / 2`` off), and
lixel lines are drawn as chords between their ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from gisdesk.analysis._checks import check_metres, check_not_empty, check_positive
from gisdesk.analysis.network import RoadNetwork, build_network
from gisdesk.core.crs import require_crs
from gisdesk.core.errors import InputError
from gisdesk.core.progress import CancelToken, ProgressCallback, check_cancel, report

if TYPE_CHECKING:
    from affine import Affine
    from pyproj import CRS

__all__ = ["DensityRaster", "check_raster_cell", "density_raster", "network_density"]

CELL_M_RANGE = (5.0, 5_000.0)
"""Cell sizes of the density raster: 5 m to 5 km."""
MAX_CELLS = 50_000_000
_BLOCK_CELLS = 20_000_000  # distance-matrix entries per Dijkstra block (~160 MB)


def network_density(
    accidents: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | RoadNetwork,
    *,
    bandwidth_m: float = 300.0,
    lixel_m: float = 50.0,
    weights: np.ndarray | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> gpd.GeoDataFrame:
    """Return accident density along the roads as a line layer of lixels.

    Parameters
    ----------
    accidents
        Accident points with a CRS (empty geometries are skipped).
    roads
        Road layer, or a network built from it by
        :func:`~gisdesk.analysis.network.build_network`.
    bandwidth_m
        Kernel bandwidth along the network in metres.
    lixel_m
        Longest lixel in metres.
    weights
        Optional weight per accident (e.g. equivalent accidents); default 1 each.
    progress, cancel
        See :mod:`gisdesk.core.progress`.

    Returns
    -------
    geopandas.GeoDataFrame
        One line per lixel (network CRS): ``edge`` (network edge), ``length_m``, ``mass``
        (accidents, summing to the weights' total) and ``density_per_km``.
    """
    check_positive(bandwidth_m, ("核密度带宽", "The kernel bandwidth"), 10_000.0, ("米", "m"))
    check_metres(lixel_m, ("分段长度", "The lixel length"), (1.0, 5_000.0))
    if not isinstance(roads, RoadNetwork):
        check_not_empty(
            roads, what_zh="道路", what_en="road", needed_zh="计算核密度", needed_en="density"
        )
    net = roads if isinstance(roads, RoadNetwork) else build_network(roads)
    require_crs(accidents, layer="accidents")
    report(progress, 0.0, "切分路段")
    n_e = np.maximum(1, np.ceil(net.edge_length / lixel_m).astype(np.int64))
    first = np.concatenate([[0], np.cumsum(n_e)[:-1]])
    m = int(n_e.sum())
    edge = np.repeat(np.arange(net.n_edges), n_e)
    k = np.arange(m) - first[edge]
    lix_len = (net.edge_length / n_e)[edge]

    pts = np.asarray(accidents.to_crs(net.crs).geometry.to_numpy(), dtype=object)
    ok = ~(shapely.is_missing(pts) | shapely.is_empty(pts))
    w = np.ones(len(pts)) if weights is None else np.asarray(weights, dtype=np.float64)
    pts, w = pts[ok], w[ok]
    hit = net.tree.query_nearest(pts, all_matches=False)
    e_of = np.empty(len(pts), dtype=np.int64)
    e_of[hit[0]] = hit[1]
    t = shapely.line_locate_point(net.edge_geometry[e_of], pts)
    lix = first[e_of] + np.minimum(
        (t / (net.edge_length / n_e)[e_of]).astype(np.int64), n_e[e_of] - 1
    )
    src_w = np.bincount(lix, weights=w, minlength=m)
    sources = np.flatnonzero(src_w > 0)
    counts = src_w[sources]

    graph = _lixel_graph(net, first, n_e, lix_len)
    mass = np.zeros(m)
    block = max(1, _BLOCK_CELLS // graph.shape[0])
    for b in range(0, len(sources), block):
        check_cancel(cancel)
        report(progress, 0.1 + 0.8 * b / max(1, len(sources)), "计算核密度")
        src = sources[b : b + block]
        dist = csgraph.dijkstra(graph, directed=False, indices=src, limit=bandwidth_m)[:, :m]
        u = dist / bandwidth_m
        kern = np.where(u < 1.0, (1.0 - u * u) ** 2, 0.0) * lix_len[None, :]
        kern /= kern.sum(axis=1, keepdims=True)
        mass += counts[b : b + block] @ kern
    report(progress, 0.95, "生成密度图层")
    starts = shapely.line_interpolate_point(net.edge_geometry[edge], k / n_e[edge], normalized=True)
    ends = shapely.line_interpolate_point(
        net.edge_geometry[edge], (k + 1) / n_e[edge], normalized=True
    )
    xy = np.stack([shapely.get_coordinates(starts), shapely.get_coordinates(ends)], axis=1)
    lines = shapely.linestrings(xy.reshape(-1, 2), indices=np.repeat(np.arange(m), 2))
    out = gpd.GeoDataFrame(
        {
            "edge": edge,
            "length_m": lix_len,
            "mass": mass,
            "density_per_km": mass / (lix_len / 1000.0),
        },
        geometry=lines,
        crs=net.crs,
    )
    report(progress, 1.0, "核密度完成")
    return out


def _lixel_graph(
    net: RoadNetwork, first: np.ndarray, n_e: np.ndarray, lix_len: np.ndarray
) -> sparse.csr_array:
    """Return the undirected graph of lixel centres (0..m-1) and junctions (m..m+n-1)."""
    m = len(lix_len)
    edge_lix_len = net.edge_length / n_e
    inner = np.flatnonzero(np.ones(m, dtype=bool))
    last = first + n_e - 1
    is_last = np.zeros(m, dtype=bool)
    is_last[last] = True
    inner = inner[~is_last]
    rows = np.concatenate([inner, first, last])
    cols = np.concatenate([inner + 1, m + net.edge_u, m + net.edge_v])
    data = np.concatenate([lix_len[inner], edge_lix_len / 2.0, edge_lix_len / 2.0])
    data = np.maximum(data, 1e-9)  # a zero weight would read as "no edge"
    size = m + net.n_nodes
    graph = sparse.coo_array((data, (rows, cols)), shape=(size, size)).tocsr()
    graph.sum_duplicates()
    return graph


@dataclass
class DensityRaster:
    """A north-up raster of density with its georeference, ready for a GeoTIFF writer."""

    array: np.ndarray
    transform: Affine
    crs: CRS


def check_raster_cell(cell_m: float) -> float:
    """Return the density raster's cell size if it is within :data:`CELL_M_RANGE`."""
    return check_metres(cell_m, ("栅格单元大小", "The raster cell size"), CELL_M_RANGE)


def density_raster(lixels: gpd.GeoDataFrame, *, cell_m: float = 100.0) -> DensityRaster:
    """Rasterise lixel densities: each cell takes the highest density of the lixels in it.

    Parameters
    ----------
    lixels
        The layer from :func:`network_density` (metric CRS).
    cell_m
        Cell size in metres; keep it at least twice the lixel length so lines stay joined.

    Returns
    -------
    DensityRaster
        float32 accidents per km (NaN off the roads), the affine transform and the CRS.
    """
    from affine import Affine

    cell_m = check_raster_cell(cell_m)
    crs = require_crs(lixels, layer="density")
    mid = shapely.line_interpolate_point(lixels.geometry.to_numpy(), 0.5, normalized=True)
    xy = shapely.get_coordinates(mid)
    if len(xy) == 0:
        raise InputError("没有可栅格化的路段。", "Nothing to rasterise.")
    x0 = np.floor(xy[:, 0].min() / cell_m) * cell_m
    y1 = np.ceil(xy[:, 1].max() / cell_m) * cell_m + cell_m
    col = ((xy[:, 0] - x0) // cell_m).astype(np.int64)
    row = ((y1 - xy[:, 1]) // cell_m).astype(np.int64)
    shape = (int(row.max()) + 1, int(col.max()) + 1)
    if shape[0] * shape[1] > MAX_CELLS:
        raise InputError(
            f"栅格单元 {cell_m:g} 米时需 {shape[1]} × {shape[0]} 个单元，超过上限 {MAX_CELLS:,}；"
            "请用更大的单元。",
            f"A {cell_m:g} m cell needs {shape[1]} x {shape[0]} cells, above the limit of "
            f"{MAX_CELLS:,}; use a larger cell.",
        )
    grid = np.full(shape, -np.inf)
    np.maximum.at(grid, (row, col), lixels["density_per_km"].to_numpy(dtype=np.float64))
    grid[~np.isfinite(grid)] = np.nan
    return DensityRaster(grid.astype(np.float32), Affine(cell_m, 0, x0, 0, -cell_m, y1), crs)
