"""Getting on the network and travelling on it: snapping, virtual nodes, Dijkstra.

A point joins the network at the nearest point ON the nearest edge (not the nearest node).
The access leg from the point to that spot is walked (5 km/h by default) and counted in the
time. The edge is split there by a virtual node, so the two partial edges to its end nodes
are travelled exactly, in the directions the edge allows. Points farther from every road
than ``max_snap_m`` (default 500 m) are not snapped: they are reported as off the network.

Directions: ``"to_facility"`` is the time from a home to the service point (a home on a
one-way street has to follow it); ``"from_facility"`` is the time outward from the facility.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from gisdesk.analysis.network import min_csr
from gisdesk.analysis.speeds import WALK_KMH, ModeSpeeds, mode_speeds
from gisdesk.core.errors import InputError
from gisdesk.core.progress import CancelToken, ProgressCallback, check_cancel, report

if TYPE_CHECKING:
    from gisdesk.analysis.network import RoadNetwork

__all__ = [
    "Direction",
    "NearestFacility",
    "RoutingGraph",
    "SnappedPoints",
    "facility_reach",
    "nearest_facility",
    "routing_graph",
    "snap_points",
]

Direction = Literal["to_facility", "from_facility"]
DEFAULT_MAX_SNAP_M = 500.0
_AT_NODE_M = 1e-6
_GROUP = 32  # sources searched together on their shared subgraph


@dataclass(frozen=True)
class SnappedPoints:
    """Where points join the network.

    Attributes
    ----------
    xy
        The points (metric CRS of the network).
    edge
        Nearest edge per point, -1 for points off the network.
    offset_m
        Position of the snap point along the edge, metres from its start node.
    distance_m
        Length of the access leg (point to the nearest edge), also for points off the
        network (inf when the network is empty).
    max_snap_m
        The threshold used: points farther than this are off the network.
    """

    xy: np.ndarray
    edge: np.ndarray
    offset_m: np.ndarray
    distance_m: np.ndarray
    max_snap_m: float

    @property
    def on_network(self) -> np.ndarray:
        """Whether each point is within ``max_snap_m`` of a road."""
        return self.edge >= 0

    def __len__(self) -> int:
        return int(self.edge.shape[0])


def snap_points(
    network: RoadNetwork, xy: np.ndarray, *, max_snap_m: float = DEFAULT_MAX_SNAP_M
) -> SnappedPoints:
    """Snap points to the nearest point on the nearest edge of the network.

    Parameters
    ----------
    network
        The road network.
    xy
        (n, 2) point coordinates in the network's CRS.
    max_snap_m
        Points farther than this from every edge stay off the network (``edge`` -1).
    """
    if not max_snap_m > 0:
        raise InputError(
            "最大接入距离必须大于 0 米。", "The maximum snapping distance must be above 0 m."
        )
    pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    n = pts.shape[0]
    edge = np.full(n, -1, dtype=np.int64)
    offset = np.zeros(n, dtype=np.float64)
    distance = np.full(n, np.inf, dtype=np.float64)
    if n == 0 or network.n_edges == 0:
        return SnappedPoints(pts, edge, offset, distance, float(max_snap_m))
    points = shapely.points(pts)
    (src, dst), dist = network.tree.query_nearest(points, return_distance=True)
    # all_matches=True returns every edge at the same distance; keep the lowest edge id
    order = np.lexsort((dst, src))
    first = np.ones(order.shape[0], dtype=bool)
    first[1:] = src[order][1:] != src[order][:-1]
    src, dst, dist = src[order][first], dst[order][first], dist[order][first]
    distance[src] = dist
    near = dist <= max_snap_m
    edge[src[near]] = dst[near]
    sel = src[near]
    offset[sel] = shapely.line_locate_point(network.edge_geometry[edge[sel]], points[sel])
    offset[sel] = np.clip(offset[sel], 0.0, network.edge_length[edge[sel]])
    return SnappedPoints(pts, edge, offset, distance, float(max_snap_m))


@dataclass(frozen=True)
class RoutingGraph:
    """The network for one mode with the snapped points inserted as virtual nodes.

    Each edge that has snap points inside it is replaced by its pieces between them.
    ``piece_*`` describe every piece (unsplit edges are one piece) along its original edge.

    Attributes
    ----------
    n_nodes
        Network nodes plus virtual nodes.
    point_node
        Node per snapped point (a network node when the point snaps onto one), -1 off it.
    point_xy
        The points' own coordinates (metric CRS).
    access_s
        Walking time of each point's access leg in seconds (inf off the network).
    piece_u, piece_v
        End nodes of each piece, in the edge's digitised direction.
    piece_edge, piece_a, piece_b
        Original edge and the piece's start/end offsets along it (metres).
    piece_seconds
        Time to travel the whole piece.
    piece_back
        Whether the piece may be travelled from ``piece_v`` to ``piece_u``.
    piece_parallel
        Whether another piece may join the same two nodes (parallel unsplit roads).
    """

    n_nodes: int
    point_node: np.ndarray
    point_xy: np.ndarray
    access_s: np.ndarray
    piece_u: np.ndarray
    piece_v: np.ndarray
    piece_edge: np.ndarray
    piece_a: np.ndarray
    piece_b: np.ndarray
    piece_seconds: np.ndarray
    piece_back: np.ndarray
    piece_parallel: np.ndarray

    def arcs(self, *, reverse: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (from, to, seconds) of every directed arc, reversed for searches to a target."""
        back = self.piece_back
        src = np.concatenate([self.piece_u, self.piece_v[back]])
        dst = np.concatenate([self.piece_v, self.piece_u[back]])
        sec = np.concatenate([self.piece_seconds, self.piece_seconds[back]])
        return (dst, src, sec) if reverse else (src, dst, sec)

    def _arc_parallel(self) -> np.ndarray:
        return np.concatenate([self.piece_parallel, self.piece_parallel[self.piece_back]])

    def csr(self, *, reverse: bool = False) -> sparse.csr_array:
        """Return the directed graph (seconds), transposed when ``reverse``."""
        src, dst, sec = self.arcs(reverse=reverse)
        return min_csr(src, dst, sec, self.n_nodes, maybe_duplicate=self._arc_parallel())

    def with_doors(
        self, points: np.ndarray, *, reverse: bool
    ) -> tuple[sparse.csr_array, np.ndarray]:
        """Return the graph plus one door node per point, linked by its access leg.

        Searching from the doors starts every point with its own walking time already
        counted, so one multi-source Dijkstra handles different access legs exactly.
        ``points`` must be on the network. Returns the graph and the door node ids.
        """
        doors = self.n_nodes + np.arange(points.shape[0], dtype=np.int64)
        nodes = self.point_node[points]
        src, dst, sec = self.arcs(reverse=reverse)
        # Search from the door: in reverse it is the last step (network -> door), outward
        # the first (door -> network); either way the door is the arc's start here.
        src = np.concatenate([src, doors])
        dst = np.concatenate([dst, nodes])
        sec = np.concatenate([sec, self.access_s[points]])
        dup = np.concatenate([self._arc_parallel(), np.zeros(points.shape[0], dtype=bool)])
        graph = min_csr(src, dst, sec, self.n_nodes + points.shape[0], maybe_duplicate=dup)
        return graph, doors


def routing_graph(
    network: RoadNetwork,
    mode: str | ModeSpeeds,
    snapped: SnappedPoints,
    *,
    walk_kmh: float = WALK_KMH,
) -> RoutingGraph:
    """Insert snapped points into the network of a mode as virtual nodes.

    Parameters
    ----------
    network
        The road network.
    mode
        Travel mode (name or speeds).
    snapped
        Points from :func:`snap_points`.
    walk_kmh
        Speed of the access leg.
    """
    spec = mode_speeds(mode)
    mps = network.speeds(spec) / 3.6
    back_open = network.backward_open(spec)
    n_net = network.n_nodes
    on = snapped.on_network
    e = snapped.edge[on]
    s = snapped.offset_m[on]
    length = network.edge_length[e]
    point_node = np.full(len(snapped), -1, dtype=np.int64)
    at_u = s <= _AT_NODE_M
    at_v = ~at_u & (s >= length - _AT_NODE_M)
    inner = ~(at_u | at_v)
    nodes = np.where(at_u, network.edge_u[e], network.edge_v[e])
    # One virtual node per distinct (edge, offset): identical points share it.
    pairs = np.column_stack([e[inner].astype(np.float64), s[inner]])
    uniq, inverse = np.unique(pairs, axis=0, return_inverse=True)
    nodes[inner] = n_net + inverse.ravel()
    point_node[on] = nodes
    ve = uniq[:, 0].astype(np.int64)  # sorted by edge, then offset
    vs = uniq[:, 1]
    vw = n_net + np.arange(ve.shape[0], dtype=np.int64)
    first = np.ones(ve.shape[0], dtype=bool)
    first[1:] = ve[1:] != ve[:-1]
    last = np.ones(ve.shape[0], dtype=bool)
    last[:-1] = ve[1:] != ve[:-1]
    prev_node = np.where(first, network.edge_u[ve], np.roll(vw, 1))
    prev_pos = np.where(first, 0.0, np.roll(vs, 1))
    split = np.zeros(network.n_edges, dtype=bool)
    split[ve] = True
    whole = np.flatnonzero(~split)
    pu = np.concatenate([network.edge_u[whole], prev_node, vw[last]])
    pv = np.concatenate([network.edge_v[whole], vw, network.edge_v[ve[last]]])
    pe = np.concatenate([whole, ve, ve[last]])
    pa = np.concatenate([np.zeros(whole.shape[0]), prev_pos, vs[last]])
    pb = np.concatenate([network.edge_length[whole], vs, network.edge_length[ve[last]]])
    access = np.full(len(snapped), np.inf)
    access[on] = snapped.distance_m[on] / (walk_kmh / 3.6)
    return RoutingGraph(
        n_nodes=n_net + ve.shape[0],
        point_node=point_node,
        point_xy=snapped.xy,
        access_s=access,
        piece_u=pu,
        piece_v=pv,
        piece_edge=pe,
        piece_a=pa,
        piece_b=pb,
        piece_seconds=(pb - pa) / mps[pe],
        piece_back=back_open[pe],
        piece_parallel=np.concatenate(
            [network.edge_parallel[whole], np.zeros(pe.shape[0] - whole.shape[0], dtype=bool)]
        ),
    )


@dataclass(frozen=True)
class NearestFacility:
    """Travel time from every demand point to its nearest facility.

    Attributes
    ----------
    seconds
        Per demand point: door-to-door time (both access legs included); inf when it is off
        the network or no facility can be reached.
    facility
        Per demand point: index of the nearest facility, -1 when none.
    node_seconds
        Per node of ``routing`` (network + virtual): time to (or from) the nearest facility,
        its access leg included.
    node_facility
        Per node: the nearest facility, -1 when none.
    routing
        The routing graph with demand points first, then facilities.
    """

    seconds: np.ndarray
    facility: np.ndarray
    node_seconds: np.ndarray
    node_facility: np.ndarray
    routing: RoutingGraph


def nearest_facility(
    network: RoadNetwork,
    demand_xy: np.ndarray,
    facility_xy: np.ndarray,
    *,
    mode: str | ModeSpeeds,
    direction: Direction = "to_facility",
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    walk_kmh: float = WALK_KMH,
) -> tuple[NearestFacility, SnappedPoints]:
    """Compute every demand point's time to its nearest facility with one Dijkstra.

    All facilities are sources of one multi-source search (``min_only``) that starts from
    each facility's door, so its access leg is counted; the search runs on the reversed
    graph for ``"to_facility"``.

    Returns
    -------
    tuple
        The result and the snapped points (demand first, then facilities).
    """
    demand = np.asarray(demand_xy, dtype=np.float64).reshape(-1, 2)
    fac = np.asarray(facility_xy, dtype=np.float64).reshape(-1, 2)
    snapped = snap_points(network, np.vstack([demand, fac]), max_snap_m=max_snap_m)
    rg = routing_graph(network, mode, snapped, walk_kmh=walk_kmh)
    nd = demand.shape[0]
    fac_points = nd + np.flatnonzero(snapped.on_network[nd:])
    node_seconds = np.full(rg.n_nodes, np.inf)
    node_facility = np.full(rg.n_nodes, -1, dtype=np.int64)
    if fac_points.size:
        graph, doors = rg.with_doors(fac_points, reverse=direction == "to_facility")
        dist, _, sources = csgraph.dijkstra(
            graph, directed=True, indices=doors, min_only=True, return_predecessors=True
        )
        node_seconds = dist[: rg.n_nodes]
        src = sources[: rg.n_nodes]
        found = src >= 0
        node_facility[found] = fac_points[src[found] - rg.n_nodes] - nd
    seconds = np.full(nd, np.inf)
    facility = np.full(nd, -1, dtype=np.int64)
    on = snapped.on_network[:nd]
    w = rg.point_node[:nd][on]
    seconds[on] = node_seconds[w] + rg.access_s[:nd][on]
    facility[on] = node_facility[w]
    facility[~np.isfinite(seconds)] = -1
    return (
        NearestFacility(seconds, facility, node_seconds, node_facility, rg),
        snapped,
    )


def facility_reach(
    rg: RoutingGraph,
    points: np.ndarray,
    *,
    limit_s: float,
    direction: Direction = "to_facility",
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> sparse.csr_array:
    """Return, per given point, the time to (or from) every node within ``limit_s``.

    Parameters
    ----------
    rg
        The routing graph the points were inserted into.
    points
        Indices of points of ``rg`` (they must be on the network) to search from.
    limit_s
        Time limit in seconds, the point's own access leg included.

    Returns
    -------
    scipy.sparse.csr_array
        (n_points, rg.n_nodes) times in seconds; absent = not reached. A node reached in
        0 s is stored as an explicit zero.
    """
    pts = np.asarray(points, dtype=np.int64)
    full, doors = rg.with_doors(pts, reverse=direction == "to_facility")
    n = rg.n_nodes
    # scipy's Dijkstra costs O(nodes) per source even with a limit. Sources are taken in
    # spatial groups; one multi-source search per group finds the nodes within the limit
    # of any of them (a path within the limit passes only such nodes), and the group's
    # per-source searches run on that small subgraph.
    xy = rg.point_xy[pts]
    cell = max(1.0, float(np.ptp(xy, axis=0).max()) / 16.0) if pts.size else 1.0
    order = np.lexsort((xy[:, 1], np.floor(xy[:, 0] / cell))) if pts.size else pts
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    for start in range(0, pts.shape[0], _GROUP):
        check_cancel(cancel)
        report(progress, start / max(1, pts.shape[0]), "计算各站点可达范围")
        group = order[start : start + _GROUP]
        near = csgraph.dijkstra(
            full, directed=True, indices=doors[group], min_only=True, limit=limit_s
        )
        keep = np.flatnonzero(np.isfinite(near))
        where = np.full(full.shape[0], -1, dtype=np.int64)
        where[keep] = np.arange(keep.shape[0])
        sub = full[keep][:, keep]
        is_node = keep < n
        dist = csgraph.dijkstra(sub, directed=True, indices=where[doors[group]], limit=limit_s)
        r, c = np.nonzero(np.isfinite(dist[:, is_node]))
        rows.append(group[r])
        cols.append(keep[is_node][c])
        vals.append(dist[:, is_node][r, c])
    report(progress, 1.0, "可达范围完成")
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    v = np.concatenate(vals) if vals else np.zeros(0)
    return sparse.csr_array((v, (r, c)), shape=(pts.shape[0], n))
