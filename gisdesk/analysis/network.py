"""A routable road network: nodes, edges and one sparse travel-time graph per mode.

The graph model is OpenStreetMap's and QGIS's: lines connect only where they share a vertex.

* Every line end is a node; so is an interior vertex that another line of the same ``level``
  also has (OSM ways meet mid-line at shared nodes), and the line is split there.
* Lines of different ``level`` join only where both end at the vertex: a bridge (level 1)
  joins its approach roads at its ends, never the road it passes over, even if a vertex of
  the bridge happens to lie on that road. Lines that cross without a shared vertex never join.
* ``oneway`` True opens only the digitised direction (for modes that obey one-way rules).

Lengths are metres in EPSG:4549 (or a local UTM zone for data outside its area of use); edge
travel times are seconds. :func:`build_network` caches networks by a content hash of the
roads' geometry and attributes, so repeated analyses reuse one and an edit rebuilds it; with
a :class:`NetworkStore` set (:func:`use_network_store`, the command line uses
:class:`gisdesk.io.network_cache.NetworkFileCache`) they are also kept between runs.
"""

from __future__ import annotations

import functools
import hashlib
import types
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from gisdesk.analysis._checks import (
    check_geometry,
    joint_metric_crs,
    storage_bounds,
    to_crs_checked,
)
from gisdesk.analysis.segment_index import SegmentIndex
from gisdesk.analysis.sparse_graph import min_csr, pair_ids
from gisdesk.analysis.speeds import ModeSpeeds, edge_open, edge_speeds, mode_speeds
from gisdesk.core.errors import InputError
from gisdesk.core.progress import CancelToken, ProgressCallback, check_cancel, report

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS

__all__ = [
    "RoadNetwork",
    "SegmentIndex",
    "build_network",
    "clear_network_cache",
    "kept_network",
    "remember_network",
    "use_network_store",
]

_CACHE_SIZE = 4
_CACHE: OrderedDict[str, RoadNetwork] = OrderedDict()
_ATTRIBUTES = ("class", "oneway", "speed_kmh", "level")


class NetworkStore(Protocol):
    """Where built networks are kept between runs, as plain arrays under a key."""

    def load(self, key: str) -> dict[str, np.ndarray] | None: ...

    def save(self, key: str, arrays: dict[str, np.ndarray]) -> None: ...


_STORE: NetworkStore | None = None


def use_network_store(store: NetworkStore | None) -> None:
    """Keep built networks in ``store`` too (None: only in memory, the default)."""
    global _STORE  # noqa: PLW0603 - one store per process, like the memory cache
    _STORE = store


@functools.cache
def _code_hash() -> str:
    """A hash of the code that builds and stores networks: networks stored by other code
    (another gisdesk, another Python) are not reused."""
    h = hashlib.blake2b(digest_size=6)
    for fn in (_build, _junctions, _edges, RoadNetwork.to_arrays, RoadNetwork.from_arrays):
        _hash_code(h, fn.__code__)
    return h.hexdigest()


def _hash_code(h: Any, code: types.CodeType) -> None:
    """Feed a code object's bytecode, names and constants (nested code too) to ``h``.

    Not ``marshal.dumps``: its output depends on reference counts at the time of the call,
    so the same code hashed differently from one process to the next."""
    h.update(code.co_code)
    h.update(repr((code.co_names, code.co_varnames, code.co_freevars)).encode())
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _hash_code(h, const)
        elif isinstance(const, frozenset):  # its order follows the string hash seed
            h.update(repr(sorted(const, key=repr)).encode())
        else:
            h.update(repr(const).encode())


@dataclass(eq=False)
class RoadNetwork:
    """Nodes and edges of a road layer, with a travel-time graph per mode built on demand.

    Attributes
    ----------
    crs
        The metric CRS of every coordinate and length here.
    node_xy
        (n_nodes, 2) node coordinates.
    edge_u, edge_v
        Start and end node of each edge, in digitised order.
    edge_length
        Edge lengths in metres.
    edge_road
        Row position of the road each edge comes from, in the input layer.
    edge_class, edge_speed_kmh, edge_oneway, edge_level
        The road's attributes per edge (class None and speed NaN where missing).
    edge_lines
        Edge lines (shapely array, metric CRS), from ``edge_u`` to ``edge_v``; None when the
        network was read back from the cache, where the lines are made from the stored
        vertices only when asked for (:attr:`edge_geometry`, :meth:`lines`): a service
        area reads the vertices and a few hundred snapped edges, and making 188,000
        shapely lines it never uses took 0.15 s and 50 MB.
    component
        Weakly connected component label per node (0 = the largest).
    key
        Content hash of the roads and options this network was built from.
    """

    crs: CRS
    node_xy: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length: np.ndarray
    edge_road: np.ndarray
    edge_class: np.ndarray
    edge_speed_kmh: np.ndarray
    edge_oneway: np.ndarray
    edge_level: np.ndarray
    component: np.ndarray
    key: str = ""
    edge_lines: np.ndarray | None = field(default=None, repr=False)
    _graphs: dict[tuple[Any, ...], sparse.csr_array] = field(default_factory=dict, repr=False)
    _tree: shapely.STRtree | None = field(default=None, repr=False)
    _vertices: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = field(
        default=None, repr=False
    )
    _speeds: dict[tuple[Any, ...], np.ndarray] = field(default_factory=dict, repr=False)
    _open: dict[tuple[str, ...], np.ndarray] = field(default_factory=dict, repr=False)
    _parallel: np.ndarray | None = field(default=None, repr=False)
    _segments: dict[bytes | None, SegmentIndex] = field(default_factory=dict, repr=False)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_xy.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of edges (one per road piece between nodes, whatever its directions)."""
        return int(self.edge_u.shape[0])

    @property
    def tree(self) -> shapely.STRtree:
        """A spatial index over the edge lines (built once)."""
        if self._tree is None:
            self._tree = shapely.STRtree(self.edge_geometry)
        return self._tree

    @property
    def edge_geometry(self) -> np.ndarray:
        """Every edge's line (shapely array), made once from the vertices when not given."""
        if self.edge_lines is None:
            self.edge_lines = self.lines(np.arange(self.n_edges))
        return self.edge_lines

    def lines(self, edges: np.ndarray) -> np.ndarray:
        """Return the lines of the given edges (shapely array, in their order).

        Taken from :attr:`edge_lines` when the network has them, else made from the
        vertices of those edges only.
        """
        edges = np.asarray(edges, dtype=np.int64)
        if self.edge_lines is not None:
            return np.asarray(self.edge_lines[edges], dtype=object)
        xy, _, _, ptr = self.vertices()
        count = ptr[edges + 1] - ptr[edges]
        rows = np.repeat(ptr[edges] - np.cumsum(count) + count, count) + np.arange(count.sum())
        line = np.repeat(np.arange(edges.shape[0]), count)
        return np.asarray(shapely.linestrings(xy[rows], indices=line), dtype=object)

    def vertices(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return the edges' vertices: xy, measure along the edge, a global key, edge pointers.

        The global key is the measure plus an offset per edge (its predecessors' lengths
        plus one metre each), strictly increasing over the whole array, so a searchsorted
        finds a position on any edge. Edge ``e`` owns rows ``ptr[e]:ptr[e + 1]``.
        """
        if self._vertices is None:
            assert self.edge_lines is not None  # a network read back has its vertices set
            xy, idx = shapely.get_coordinates(self.edge_lines, return_index=True)
            ptr = np.zeros(self.n_edges + 1, dtype=np.int64)
            np.add.at(ptr, idx + 1, 1)
            self._set_vertices(xy, np.cumsum(ptr))
        assert self._vertices is not None
        return self._vertices

    def _set_vertices(self, xy: np.ndarray, ptr: np.ndarray) -> None:
        """Keep the vertices ``xy`` (edge ``e`` owns rows ``ptr[e]:ptr[e + 1]``) with their
        measures and global keys."""
        seg = np.zeros(xy.shape[0])
        seg[1:] = np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1]))
        seg[ptr[:-1]] = 0.0
        cum = np.cumsum(seg)
        measure = cum - np.repeat(cum[ptr[:-1]], np.diff(ptr))
        base = self.edge_offsets()
        self._vertices = (xy, measure, measure + np.repeat(base, np.diff(ptr)), ptr)

    def edge_offsets(self) -> np.ndarray:
        """Return the offset of each edge in the global vertex key of :meth:`vertices`."""
        return np.concatenate([[0.0], np.cumsum(self.edge_length + 1.0)[:-1]])

    def speeds(self, mode: str | ModeSpeeds) -> np.ndarray:
        """Return km/h per edge for a mode (computed once per mode)."""
        spec = mode_speeds(mode)
        key = _spec_key(spec)
        if key not in self._speeds:
            self._speeds[key] = edge_speeds(spec, self.edge_class, self.edge_speed_kmh)
        return self._speeds[key]

    @property
    def edge_parallel(self) -> np.ndarray:
        """Whether another edge joins the same two nodes (or the edge is a loop)."""
        if self._parallel is None:
            lo = np.minimum(self.edge_u, self.edge_v)
            hi = np.maximum(self.edge_u, self.edge_v)
            pair = pair_ids(lo, hi)
            self._parallel = (np.bincount(pair)[pair] > 1) | (lo == hi)
        return self._parallel

    def edge_open(self, mode: str | ModeSpeeds) -> np.ndarray:
        """Return per edge whether the mode may use it at all (expressways: not on foot)."""
        closed = tuple(sorted(mode_speeds(mode).closed))
        if closed not in self._open:
            self._open[closed] = edge_open(mode_speeds(mode), self.edge_class)
        return self._open[closed]

    def backward_open(self, mode: str | ModeSpeeds) -> np.ndarray:
        """Return per edge whether the mode may travel it against its digitised direction."""
        spec = mode_speeds(mode)
        return ~self.edge_oneway if spec.oneway else np.ones(self.n_edges, dtype=bool)

    def travel_seconds(self, mode: str | ModeSpeeds) -> np.ndarray:
        """Return the time in seconds to travel each whole edge by the mode."""
        return self.edge_length / (self.speeds(mode) / 3.6)

    def graph(self, mode: str | ModeSpeeds, *, reverse: bool = False) -> sparse.csr_array:
        """Return the directed travel-time graph (seconds) of a mode, built once and kept.

        Parallel edges keep the fastest; entry (i, j) is the time from node i to node j, or
        from j to i when ``reverse`` (the graph searched backwards, towards a target).
        Indices are int32 where they fit, so scipy's Dijkstra uses them without a copy.
        """
        spec = mode_speeds(mode)
        key = (*_spec_key(spec), bool(reverse))
        if key not in self._graphs:
            seconds = self.travel_seconds(spec)
            fwd = self.edge_open(spec)
            back = self.backward_open(spec) & fwd
            rows = np.concatenate([self.edge_u[fwd], self.edge_v[back]])
            cols = np.concatenate([self.edge_v[fwd], self.edge_u[back]])
            if reverse:
                rows, cols = cols, rows
            data = np.concatenate([seconds[fwd], seconds[back]])
            par = self.edge_parallel
            dup = np.concatenate([par[fwd], par[back]])
            g = min_csr(rows, cols, data, self.n_nodes, maybe_duplicate=dup)
            if max(g.nnz, self.n_nodes) < np.iinfo(np.int32).max // 2:
                g = sparse.csr_array(
                    (g.data, g.indices.astype(np.int32), g.indptr.astype(np.int32)),
                    shape=g.shape,
                )
            self._graphs[key] = g
        return self._graphs[key]

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The network as plain arrays (no Python objects), for :meth:`from_arrays`."""
        xy, _, _, ptr = self.vertices()
        cls = self.edge_class
        known = np.array([c is not None for c in cls], dtype=bool)
        return {
            "crs": np.array(self.crs.to_wkt()),
            "node_xy": self.node_xy,
            "edge_u": self.edge_u,
            "edge_v": self.edge_v,
            "edge_length": self.edge_length,
            "edge_road": self.edge_road,
            "edge_class": np.array(["" if c is None else str(c) for c in cls], dtype=str),
            "edge_class_known": known,
            "edge_speed_kmh": self.edge_speed_kmh,
            "edge_oneway": self.edge_oneway,
            "edge_level": self.edge_level,
            "vertex_xy": xy,
            "vertex_ptr": ptr,
            "component": self.component,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], key: str) -> RoadNetwork:
        """The network :meth:`to_arrays` stored."""
        from pyproj import CRS

        names = arrays["edge_class"].astype(object)
        names[~arrays["edge_class_known"]] = None
        xy, ptr = arrays["vertex_xy"], arrays["vertex_ptr"]
        n_edges = arrays["edge_u"].shape[0]
        if (
            xy.ndim != 2
            or xy.shape[1] != 2
            or ptr.shape != (n_edges + 1,)
            or ptr[0] != 0
            or ptr[-1] != xy.shape[0]
            or (np.diff(ptr) < 2).any()
        ):
            raise ValueError("the stored vertices do not match the edges")
        network = cls(
            crs=CRS.from_wkt(str(arrays["crs"])),
            node_xy=arrays["node_xy"],
            edge_u=arrays["edge_u"],
            edge_v=arrays["edge_v"],
            edge_length=arrays["edge_length"],
            edge_road=arrays["edge_road"],
            edge_class=names,
            edge_speed_kmh=arrays["edge_speed_kmh"],
            edge_oneway=arrays["edge_oneway"],
            edge_level=arrays["edge_level"],
            component=arrays["component"],
            key=key,
        )
        network._set_vertices(xy, ptr.astype(np.int64))
        return network

    def segment_index(self, mode: str | ModeSpeeds | None = None) -> SegmentIndex:
        """Return the straight segments of every edge (every edge the mode may use) with a
        k-d tree of points along them; edge ids are the network's."""
        open_ = None if mode is None else self.edge_open(mode)
        if open_ is not None and open_.all():
            open_ = None
        key = None if open_ is None else open_.tobytes()
        if key not in self._segments:
            xy, _, _, ptr = self.vertices()
            if open_ is None:
                self._segments[key] = SegmentIndex.build(xy, ptr)
            else:
                self._segments[key] = SegmentIndex.build(xy, ptr, edges=np.flatnonzero(open_))
        return self._segments[key]


def _spec_key(spec: ModeSpeeds) -> tuple[Any, ...]:
    return (
        spec.mode,
        tuple(sorted(spec.by_class.items())),
        spec.default_kmh,
        spec.road_speed,
        spec.oneway,
        tuple(sorted(spec.closed)),
    )


# --- building ------------------------------------------------------------------------------


def _column(roads: gpd.GeoDataFrame, name: str, default: Any, dtype: Any) -> np.ndarray:
    if name not in roads.columns:
        return np.full(len(roads), default, dtype=dtype)
    values = roads[name]
    if dtype is object:
        out = values.astype(object).to_numpy()
        return np.asarray(np.where(pd.isna(out), None, out), dtype=object)
    return np.asarray(pd.to_numeric(values, errors="coerce").fillna(default), dtype=dtype)


def roads_key(roads: gpd.GeoDataFrame, *, options: tuple[Any, ...] = ()) -> str:
    """Return a content hash of the roads' geometry, CRS, routing attributes and options."""
    h = hashlib.blake2b(digest_size=16)
    h.update(repr(options).encode())
    h.update(str(roads.crs.to_wkt() if roads.crs is not None else None).encode())
    geoms = roads.geometry.to_numpy()
    for arr in (
        shapely.get_type_id(geoms),
        shapely.get_num_geometries(geoms),
        shapely.get_num_coordinates(geoms),
        shapely.get_coordinates(geoms),
    ):
        h.update(np.ascontiguousarray(arr).tobytes())
    for name in _ATTRIBUTES:
        if name in roads.columns:
            h.update(name.encode())
            h.update(pd.util.hash_pandas_object(roads[name], index=False).to_numpy().tobytes())
    return h.hexdigest()


def clear_network_cache() -> None:
    """Forget every cached network."""
    _CACHE.clear()


def build_network(
    roads: gpd.GeoDataFrame,
    *,
    crs: CRS | None = None,
    node_tolerance_m: float = 0.001,
    cache: bool = True,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> RoadNetwork:
    """Build the routable network of a road layer (or return the cached one).

    Parameters
    ----------
    roads
        LineString / MultiLineString layer with a CRS. Optional fields: ``class``
        (国道 ... 村道), ``oneway`` (bool), ``speed_kmh``, ``level`` (non-zero = bridge/tunnel).
    crs
        Metric CRS to build in; default EPSG:4549, or a UTM zone outside its area of use.
    node_tolerance_m
        Vertices closer than this (snapped to a grid of this size) are the same vertex.
    cache
        Reuse a network built from identical roads and options.

    Returns
    -------
    RoadNetwork
        The network; its ``key`` is the content hash used by the cache.
    """
    if node_tolerance_m <= 0:
        raise InputError("节点容差必须大于 0。", "The node tolerance must be greater than 0.")
    check_geometry(roads, layer="roads", allowed={"LineString", "MultiLineString"})
    metric = crs if crs is not None else joint_metric_crs({"roads": roads})
    key = roads_key(roads, options=(metric.to_wkt(), node_tolerance_m))
    if cache and key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    check_cancel(cancel)
    report(progress, 0.0, "准备路网")
    network = _stored(key) if cache else None
    if network is None:
        geoms = to_crs_checked(roads, metric, layer="roads").geometry.to_numpy()
        network = _build(
            roads,
            geoms,
            crs=metric,
            tol=node_tolerance_m,
            key=key,
            progress=progress,
            cancel=cancel,
        )
        if cache and _STORE is not None:
            _STORE.save(f"{key}-{_code_hash()}", network.to_arrays())
    if cache:
        _remember(key, network)
    report(progress, 1.0, "路网完成")
    return network


def _remember(key: str, network: RoadNetwork) -> None:
    _CACHE[key] = network
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)


def remember_network(
    token: str, roads: gpd.GeoDataFrame, network: RoadNetwork, *, node_tolerance_m: float = 0.001
) -> None:
    """Note in the store that the roads ``token`` names (an unchanged file layer, see
    :func:`gisdesk.io.layer_token.layer_token`) build ``network``, so that
    :func:`kept_network` finds it without reading them. Nothing happens without a store."""
    bounds = storage_bounds(roads, layer="roads")
    if _STORE is None or bounds is None or not network.key:
        return
    _STORE.save(
        _token_name(token),
        {
            "bounds": bounds,
            "metric": np.array(network.crs.to_wkt()),
            "tolerance": np.array(float(node_tolerance_m)),
            "key": np.array(network.key),
        },
    )


def kept_network(
    token: str, layers: dict[str, gpd.GeoDataFrame], *, node_tolerance_m: float = 0.001
) -> RoadNetwork | None:
    """Return the network :func:`remember_network` noted for the roads ``token`` names, or
    None when there is none (then read the roads and :func:`build_network`).

    The network must be the one :func:`build_network` would give for those roads beside
    ``layers``: the metric CRS is chosen from the roads' noted extent and these layers'
    as it would be, and must be the one the network was built in.
    """
    if _STORE is None:
        return None
    record = _STORE.load(_token_name(token))
    if record is None:
        return None
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        metric = joint_metric_crs(layers, bounds=[record["bounds"]])
        same = CRS.from_wkt(str(record["metric"])).equals(metric) and float(
            record["tolerance"]
        ) == float(node_tolerance_m)
        key = str(record["key"])
    except (KeyError, ValueError, TypeError, CRSError):
        return None
    if not same:
        return None
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    network = _stored(key)
    if network is None or not network.crs.equals(metric):
        return None
    _remember(key, network)
    return network


def _token_name(token: str) -> str:
    return f"roads-{token}-{_code_hash()}"


def _stored(key: str) -> RoadNetwork | None:
    """The network kept in the store under this content key, if any."""
    if _STORE is None:
        return None
    arrays = _STORE.load(f"{key}-{_code_hash()}")
    if arrays is None:
        return None
    try:
        return RoadNetwork.from_arrays(arrays, key)
    except (KeyError, ValueError, IndexError, shapely.errors.GEOSException):
        return None


def _build(
    roads: gpd.GeoDataFrame,
    geoms: np.ndarray,
    *,
    crs: CRS,
    tol: float,
    key: str,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> RoadNetwork:
    parts, road_of_part = shapely.get_parts(geoms, return_index=True)
    xy, line = shapely.get_coordinates(parts, return_index=True)
    xy = np.asarray(xy, dtype=np.float64)
    # Drop repeated consecutive vertices: they make zero-length segments.
    keep = np.ones(line.shape[0], dtype=bool)
    keep[1:] = (line[1:] != line[:-1]) | np.any(xy[1:] != xy[:-1], axis=1)
    xy, line = xy[keep], line[keep]
    n = line.shape[0]
    start = np.ones(n, dtype=bool)
    start[1:] = line[1:] != line[:-1]
    end = np.ones(n, dtype=bool)
    end[:-1] = line[1:] != line[:-1]
    level_of_road = _column(roads, "level", 0, np.int64)
    level = level_of_road[road_of_part[line]]

    check_cancel(cancel)
    report(progress, 0.2, "识别路口")
    node_rows, node_of = _junctions(xy, line, level, start=start, end=end, tol=tol)
    n_nodes = int(node_of.max()) + 1 if node_of.size else 0
    node_xy = np.zeros((n_nodes, 2), dtype=np.float64)
    node_xy[node_of[::-1]] = xy[node_rows[::-1]]  # first vertex of each node wins

    check_cancel(cancel)
    report(progress, 0.5, "切分路段")
    u, v, length, edge_geometry, i0 = _edges(xy, line, node_rows, node_of, start=start)
    road = road_of_part[line[i0]]

    check_cancel(cancel)
    report(progress, 0.8, "连通分析")
    adj = sparse.coo_array((np.ones(u.shape[0]), (u, v)), shape=(n_nodes, n_nodes))
    _, comp = csgraph.connected_components(adj, directed=False)
    sizes = np.bincount(comp)
    rank = np.empty_like(sizes)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(sizes.shape[0])
    return RoadNetwork(
        crs=crs,
        node_xy=node_xy,
        edge_u=u.astype(np.int64),
        edge_v=v.astype(np.int64),
        edge_length=length,
        edge_road=road.astype(np.int64),
        edge_class=_column(roads, "class", None, object)[road],
        edge_speed_kmh=_column(roads, "speed_kmh", np.nan, np.float64)[road],
        edge_oneway=_column(roads, "oneway", 0, np.int64)[road].astype(bool),
        edge_level=level_of_road[road],
        edge_lines=np.asarray(edge_geometry, dtype=object),
        component=rank[comp].astype(np.int64),
        key=key,
    )


def _junctions(
    xy: np.ndarray,
    line: np.ndarray,
    level: np.ndarray,
    *,
    start: np.ndarray,
    end: np.ndarray,
    tol: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the vertex rows that are nodes and the node id of each of them."""
    n = line.shape[0]
    single = start & end  # a "line" of one distinct vertex: nothing to route on
    grid = np.floor(xy / tol + 0.5).astype(np.int64)
    vkey = pair_ids(grid[:, 0], grid[:, 1])
    vlevel = pair_ids(vkey, level)
    # Count distinct lines per (vertex, level): two or more make a junction on that level.
    distinct = np.unique(pair_ids(vlevel, line), return_index=True)[1]
    lines_at = np.bincount(vlevel[distinct], minlength=int(vlevel.max()) + 1 if n else 0)
    is_end = (start | end) & ~single
    is_node = (is_end | (lines_at[vlevel] >= 2)) & ~single

    # Node identity: (vertex, level); line ends of different levels at one vertex merge.
    node_rows = np.flatnonzero(is_node)
    n_groups = int(vlevel.max()) + 1 if n else 0
    node_of = vlevel[node_rows]
    ends_at = node_rows[is_end[node_rows]]
    end_node = node_of[np.searchsorted(node_rows, ends_at)]
    first_at_vertex = pd.Series(end_node).groupby(vkey[ends_at]).transform("min").to_numpy()
    merge = sparse.coo_array(
        (np.ones(end_node.shape[0]), (end_node, first_at_vertex)),
        shape=(n_groups, n_groups),
    )
    _, merged = csgraph.connected_components(merge, directed=False)
    return node_rows, pd.factorize(merged[node_of])[0].astype(np.int64)


def _edges(
    xy: np.ndarray,
    line: np.ndarray,
    node_rows: np.ndarray,
    node_of: np.ndarray,
    *,
    start: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return edges between consecutive node vertices of each line: u, v, length, line, row."""
    n = line.shape[0]
    i0, i1 = node_rows[:-1], node_rows[1:]
    same = line[i0] == line[i1]
    i0, i1 = i0[same], i1[same]
    seg = np.zeros(n, dtype=np.float64)
    seg[1:] = np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1]))
    seg[start] = 0.0
    cum = np.cumsum(seg)
    length = cum[i1] - cum[i0]
    ok = length > 0
    i0, i1, length = i0[ok], i1[ok], length[ok]
    pos = np.searchsorted(node_rows, i0)
    u = node_of[pos]
    v = node_of[np.searchsorted(node_rows, i1)]
    counts = i1 - i0 + 1
    offsets = np.repeat(i0 - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    take = np.arange(int(counts.sum())) + offsets
    edge_id = np.repeat(np.arange(i0.shape[0]), counts)
    edge_geometry = shapely.linestrings(xy[take], indices=edge_id)
    return u, v, length, np.asarray(edge_geometry, dtype=object), i0
