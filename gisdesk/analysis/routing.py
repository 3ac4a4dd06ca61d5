"""Getting on the network and travelling on it: snapping, virtual nodes, Dijkstra.

A point joins the network at the nearest point ON the nearest edge (not the nearest node).
The access leg from the point to that spot is walked (5 km/h by default) and counted in the
time. The edge is split there by a virtual node, so the two partial edges to its end nodes
are travelled exactly, in the directions the edge allows. Points farther from every road
than ``max_snap_m`` (default 500 m) are not snapped: they are reported as off the network.

Directions: ``"to_facility"`` is the time from a home to the service point (a home on a
one-way street has to follow it); ``"from_facility"`` is the time outward from the facility.

:func:`nearest_facility` does not split edges to search: each facility gets a door node
joined to both ends of its edge by its access leg plus the partial edge (in the directions
the edge allows), appended to the network's cached graph, and one multi-source Dijkstra
(stopped at ``limit_s`` when given) times the network nodes. Points on edges are then timed
from their edge's end nodes and the facilities on the same edge, which is the same
arithmetic as searching the split graph. The pieces of the split network
(:class:`RoutingGraph`) are only built when something asks for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal, NamedTuple

import numpy as np
import shapely
from scipy import sparse

from gisdesk.analysis.sparse_graph import min_csr
from gisdesk.analysis.speeds import DEFAULT_MAX_SNAP_M, WALK_KMH, ModeSpeeds, mode_speeds
from gisdesk.core.errors import InputError
from gisdesk.core.progress import CancelToken, ProgressCallback, check_cancel, report

if TYPE_CHECKING:
    from gisdesk.analysis.network import RoadNetwork

__all__ = [
    "Direction",
    "NearestFacility",
    "Pieces",
    "RoutingGraph",
    "SnappedPoints",
    "facility_reach",
    "nearest_facility",
    "routing_graph",
    "snap_points",
]

Direction = Literal["to_facility", "from_facility"]
_AT_NODE_M = 1e-6


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
    network: RoadNetwork,
    xy: np.ndarray,
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    mode: str | ModeSpeeds | None = None,
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
    mode
        Snap only to the edges this mode may use (a village beside an expressway reaches
        the nearest road open to walkers); None: every edge.
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
    # Candidate edges from the segment index (k-d tree, vectorised), then GEOS measures the
    # few candidates: the same distances and the same choice (lowest edge id among equally
    # near edges) as an STRtree nearest query, at a fraction of its cost.
    src, dst = network.segment_index(mode).candidates(pts)
    points = shapely.points(pts)
    dist = shapely.distance(points[src], network.lines(dst))
    order = np.lexsort((dst, dist, src))
    first = np.ones(order.shape[0], dtype=bool)
    first[1:] = src[order][1:] != src[order][:-1]
    src, dst, dist = src[order][first], dst[order][first], dist[order][first]
    distance[src] = dist
    near = dist <= max_snap_m
    edge[src[near]] = dst[near]
    sel = src[near]
    offset[sel] = shapely.line_locate_point(network.lines(edge[sel]), points[sel])
    offset[sel] = np.clip(offset[sel], 0.0, network.edge_length[edge[sel]])
    return SnappedPoints(pts, edge, offset, distance, float(max_snap_m))


class Pieces(NamedTuple):
    """The pieces of a :class:`RoutingGraph`, one row each (an unsplit edge is one piece)."""

    u: np.ndarray
    """Start node of each piece, in its edge's digitised direction."""
    v: np.ndarray
    """End node of each piece."""
    edge: np.ndarray
    """Original edge of each piece."""
    a: np.ndarray
    """Start offset of each piece along its edge (metres)."""
    b: np.ndarray
    """End offset of each piece along its edge (metres)."""
    seconds: np.ndarray
    """Time to travel each whole piece."""
    back: np.ndarray
    """Whether each piece may be travelled from ``v`` to ``u``."""
    parallel: np.ndarray
    """Whether another piece may join the same two nodes (parallel unsplit roads)."""


@dataclass(frozen=True, eq=False)
class RoutingGraph:
    """The network for one mode with the snapped points inserted as virtual nodes.

    Each edge that has snap points inside it is replaced by its pieces between them.
    :attr:`pieces` describes every piece (unsplit edges are one piece) along its original
    edge; it is built on first use.

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
    network
        The road network.
    mode
        The travel mode's speeds.
    virtual_edge, virtual_offset
        Edge and offset (metres from its start) of virtual node ``network.n_nodes + i``,
        sorted by edge, then offset.
    """

    n_nodes: int
    point_node: np.ndarray
    point_xy: np.ndarray
    access_s: np.ndarray
    network: RoadNetwork
    mode: ModeSpeeds
    virtual_edge: np.ndarray
    virtual_offset: np.ndarray

    @cached_property
    def pieces(self) -> Pieces:
        """Every piece (unsplit edges are one piece) along its original edge."""
        network = self.network
        n_net = network.n_nodes
        ve, vs = self.virtual_edge, self.virtual_offset
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
        mps = network.speeds(self.mode) / 3.6
        parallel = np.concatenate(
            [network.edge_parallel[whole], np.zeros(pe.shape[0] - whole.shape[0], dtype=bool)]
        )
        back = network.backward_open(self.mode)[pe]
        return Pieces(pu, pv, pe, pa, pb, (pb - pa) / mps[pe], back, parallel)

    @cached_property
    def piece_open(self) -> np.ndarray:
        """Whether the mode may use each piece at all (expressways: not on foot)."""
        open_: np.ndarray = self.network.edge_open(self.mode)[self.pieces.edge]
        return open_

    def arcs(self, *, reverse: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (from, to, seconds) of every directed arc, reversed for searches to a target."""
        pieces, fwd = self.pieces, self.piece_open
        back = pieces.back & fwd
        src = np.concatenate([pieces.u[fwd], pieces.v[back]])
        dst = np.concatenate([pieces.v[fwd], pieces.u[back]])
        sec = np.concatenate([pieces.seconds[fwd], pieces.seconds[back]])
        return (dst, src, sec) if reverse else (src, dst, sec)

    def _arc_parallel(self) -> np.ndarray:
        fwd = self.piece_open
        par = self.pieces.parallel
        return np.concatenate([par[fwd], par[self.pieces.back & fwd]])

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

    def point_position(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the (edge, offset) of points that sit on virtual nodes (-1, 0 at nodes)."""
        node = self.point_node[points] - self.network.n_nodes
        inner = node >= 0
        edge = np.full(node.shape[0], -1, dtype=np.int64)
        offset = np.zeros(node.shape[0])
        edge[inner] = self.virtual_edge[node[inner]]
        offset[inner] = self.virtual_offset[node[inner]]
        return edge, offset


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
    # One virtual node per distinct (edge, offset), sorted by edge then offset: identical
    # points share it.
    ie, is_ = e[inner], s[inner]
    order = np.lexsort((is_, ie))
    new = np.ones(order.shape[0], dtype=bool)
    new[1:] = (ie[order][1:] != ie[order][:-1]) | (is_[order][1:] != is_[order][:-1])
    rank = np.cumsum(new) - 1
    vnode = np.empty(order.shape[0], dtype=np.int64)
    vnode[order] = rank
    nodes[inner] = n_net + vnode
    point_node[on] = nodes
    access = np.full(len(snapped), np.inf)
    access[on] = snapped.distance_m[on] / (walk_kmh / 3.6)
    return RoutingGraph(
        n_nodes=n_net + int(new.sum()),
        point_node=point_node,
        point_xy=snapped.xy,
        access_s=access,
        network=network,
        mode=spec,
        virtual_edge=ie[order][new].astype(np.int64),
        virtual_offset=is_[order][new],
    )


@dataclass(frozen=True)
class NearestFacility:
    """Travel time from every demand point to its nearest facility.

    Attributes
    ----------
    seconds
        Per demand point: door-to-door time (both access legs included); inf when it is off
        the network or no facility can be reached (or, with ``limit_s``, none within it).
    facility
        Per demand point: index of the nearest facility, -1 when none.
    node_seconds
        Per node of ``routing`` (network + virtual): time to (or from) the nearest facility,
        its access leg included (inf beyond ``limit_s`` when given).
    node_facility
        Per node: the nearest facility, -1 when none.
    routing
        The routing graph with demand points first, then facilities.
    limit_s
        The search limit: times above it are inf. None = every time is computed.
    searched
        Network nodes the search settled: with a limit, exactly those within it (the search
        touches nothing farther).
    """

    seconds: np.ndarray
    facility: np.ndarray
    node_seconds: np.ndarray
    node_facility: np.ndarray
    routing: RoutingGraph
    limit_s: float | None = None
    searched: int = 0


def _door_arcs(
    rg: RoutingGraph, fac_points: np.ndarray, *, reverse: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (door, node, seconds) of the arcs from each facility's door to the network.

    A facility on a node has one arc (its access leg) to it. One inside an edge has arcs to
    the edge's end nodes weighted by the access leg plus the partial edge, where the edge's
    directions allow: towards a facility (``reverse``) a node reaches it from ``u``
    forwards and from ``v`` backwards; outwards it leaves to ``v`` forwards and to ``u``
    backwards. Arcs are sorted by door.
    """
    network = rg.network
    node = rg.point_node[fac_points]
    access = rg.access_s[fac_points]
    edge, s = rg.point_position(fac_points)
    inner = edge >= 0
    e = edge[inner]
    a = access[inner]
    mps = network.speeds(rg.mode)[e] / 3.6
    back = network.backward_open(rg.mode)[e]
    to_u = a + s[inner] / mps
    to_v = a + (network.edge_length[e] - s[inner]) / mps
    open_u = back if not reverse else np.ones(e.shape[0], dtype=bool)
    open_v = back if reverse else np.ones(e.shape[0], dtype=bool)
    u = network.edge_u[e]
    v = network.edge_v[e]
    loop = u == v  # one arc, the faster way round
    to_u = np.where(loop & open_v & (~open_u | (to_v < to_u)), to_v, to_u)
    open_u = open_u | loop
    open_v = open_v & ~loop
    door = np.concatenate(
        [np.flatnonzero(~inner), np.flatnonzero(inner)[open_u], np.flatnonzero(inner)[open_v]]
    )
    dst = np.concatenate([node[~inner], u[open_u], v[open_v]])
    wgt = np.concatenate([access[~inner], to_u[open_u], to_v[open_v]])
    order = np.argsort(door, kind="stable")
    return door[order], dst[order], wgt[order]


def _multi_source(
    rg: RoutingGraph,
    fac_points: np.ndarray,
    *,
    reverse: bool,
    limit_s: float | None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Return per network node the time to (or from) the nearest facility, its position in
    ``fac_points`` (-1 none) and the number of nodes searched, by one multi-source Dijkstra
    on the cached graph started at the facilities' door arcs."""
    from gisdesk.analysis.dijkstra import nearest_source

    base = rg.network.graph(rg.mode, reverse=reverse)
    door, node, seconds = _door_arcs(rg, fac_points, reverse=reverse)
    return nearest_source(
        base.indptr, base.indices, base.data, node, seconds, door, limit_s=limit_s
    )


def _leaf_arcs(rg: RoutingGraph, *, reverse: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (network node, virtual node index, seconds): how each virtual node is timed
    from its edge's end nodes. Towards a facility a point leaves forwards to ``v`` and
    backwards (if open) to ``u``; outwards it is reached forwards from ``u`` and backwards
    (if open) from ``v``."""
    network = rg.network
    ve, vs = rg.virtual_edge, rg.virtual_offset
    mps = network.speeds(rg.mode)[ve] / 3.6
    back = network.backward_open(rg.mode)[ve]
    to_u = vs / mps
    to_v = (network.edge_length[ve] - vs) / mps
    vid = np.arange(ve.shape[0], dtype=np.int64)
    free_u = back if reverse else np.ones(ve.shape[0], dtype=bool)
    free_v = np.ones(ve.shape[0], dtype=bool) if reverse else back
    node = np.concatenate([network.edge_u[ve][free_u], network.edge_v[ve][free_v]])
    leaf = np.concatenate([vid[free_u], vid[free_v]])
    return node, leaf, np.concatenate([to_u[free_u], to_v[free_v]])


def _same_edge(
    rg: RoutingGraph, fac_points: np.ndarray, *, reverse: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (virtual node index, facility position, seconds) for every virtual node timed
    straight from a facility inside the same edge, without passing an end node."""
    network = rg.network
    ve, vs = rg.virtual_edge, rg.virtual_offset
    fe, fs = rg.point_position(fac_points)
    inner = np.flatnonzero(fe >= 0)
    if not (inner.size and ve.size):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    lo = np.searchsorted(ve, fe[inner], side="left")
    hi = np.searchsorted(ve, fe[inner], side="right")
    count = hi - lo
    f = np.repeat(inner, count)
    w = np.repeat(lo - np.cumsum(count) + count, count) + np.arange(int(count.sum()))
    sf, sw = fs[f], vs[w]
    mps = network.speeds(rg.mode)[ve[w]] / 3.6
    back = network.backward_open(rg.mode)[ve[w]]
    # Towards the facility a facility ahead of the node (sf >= sw) is reached forwards;
    # outwards a node ahead of the facility is. The other way needs the back direction.
    ok = (sf >= sw if reverse else sw >= sf) | back
    t = rg.access_s[fac_points[f]] + np.abs(sf - sw) / mps
    return w[ok], f[ok], t[ok]


def _virtual_times(
    rg: RoutingGraph,
    base_seconds: np.ndarray,
    base_facility: np.ndarray,
    fac_points: np.ndarray,
    *,
    reverse: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Time and nearest facility (position in ``fac_points``) of every virtual node, from
    its edge's end nodes and the facilities inside the same edge (exactly what a search of
    the split graph computes)."""
    nv = rg.virtual_edge.shape[0]
    node, leaf, extra = _leaf_arcs(rg, reverse=reverse)
    same_w, same_f, same_t = _same_edge(rg, fac_points, reverse=reverse)
    w = np.concatenate([leaf, same_w])
    time = np.concatenate([base_seconds[node] + extra, same_t])
    fac = np.concatenate([base_facility[node], same_f])
    # The fastest per node; among equally fast, the lowest facility (as the search does).
    order = np.lexsort((fac, time, w))
    first = np.ones(order.shape[0], dtype=bool)
    first[1:] = w[order][1:] != w[order][:-1]
    pick = order[first]
    out_t = np.full(nv, np.inf)
    out_f = np.full(nv, -1, dtype=np.int64)
    out_t[w[pick]] = time[pick]
    out_f[w[pick]] = fac[pick]
    out_f[~np.isfinite(out_t)] = -1
    return out_t, out_f


def nearest_facility(
    network: RoadNetwork,
    demand_xy: np.ndarray,
    facility_xy: np.ndarray,
    *,
    mode: str | ModeSpeeds,
    direction: Direction = "to_facility",
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    walk_kmh: float = WALK_KMH,
    limit_s: float | None = None,
) -> tuple[NearestFacility, SnappedPoints]:
    """Compute every demand point's time to its nearest facility with one Dijkstra.

    All facilities are sources of one multi-source search (``min_only``) that starts from
    each facility's door, so its access leg is counted; the search runs on the reversed
    graph for ``"to_facility"``.

    Parameters
    ----------
    limit_s
        Stop the search at this time: nodes and demand points beyond it get inf (and no
        facility), everything within it is exactly as without the limit. A 15-minute
        question then explores only what is within 15 minutes. None (default) computes
        every time.

    Returns
    -------
    tuple
        The result and the snapped points (demand first, then facilities).
    """
    if limit_s is not None and not limit_s >= 0:
        raise InputError("时间限值不能为负。", "The time limit must not be negative.")
    demand = np.asarray(demand_xy, dtype=np.float64).reshape(-1, 2)
    fac = np.asarray(facility_xy, dtype=np.float64).reshape(-1, 2)
    snapped = snap_points(network, np.vstack([demand, fac]), max_snap_m=max_snap_m, mode=mode)
    rg = routing_graph(network, mode, snapped, walk_kmh=walk_kmh)
    nd = demand.shape[0]
    n_net = network.n_nodes
    reverse = direction == "to_facility"
    fac_points = nd + np.flatnonzero(snapped.on_network[nd:])
    base_seconds = np.full(n_net, np.inf)
    which = np.full(n_net, -1, dtype=np.int64)
    searched = 0
    if fac_points.size:
        base_seconds, which, searched = _multi_source(
            rg, fac_points, reverse=reverse, limit_s=limit_s
        )
    vt, vf = _virtual_times(rg, base_seconds, which, fac_points, reverse=reverse)
    # Positions in fac_points -> facility indices (fac_points is sorted, so ties keep the
    # lowest facility).
    pos_to_fac = np.append(fac_points - nd, -1)
    base_facility = pos_to_fac[which]
    vf = pos_to_fac[vf]
    node_seconds = np.concatenate([base_seconds, vt])
    node_facility = np.concatenate([base_facility, vf])
    seconds = np.full(nd, np.inf)
    facility = np.full(nd, -1, dtype=np.int64)
    on = snapped.on_network[:nd]
    w = rg.point_node[:nd][on]
    seconds[on] = node_seconds[w] + rg.access_s[:nd][on]
    facility[on] = node_facility[w]
    if limit_s is not None:
        over = node_seconds > limit_s
        node_seconds[over] = np.inf
        node_facility[over] = -1
        seconds[seconds > limit_s] = np.inf
    facility[~np.isfinite(seconds)] = -1
    return (
        NearestFacility(
            seconds,
            facility,
            node_seconds,
            node_facility,
            rg,
            None if limit_s is None else float(limit_s),
            searched,
        ),
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
    from gisdesk.analysis.dijkstra import each_source_reach

    pts = np.asarray(points, dtype=np.int64)
    reverse = direction == "to_facility"
    network = rg.network
    base = network.graph(rg.mode, reverse=reverse)
    # Each point's search starts at its door arcs on the cached graph; the virtual nodes
    # (other points inside edges) are timed as leaves from their edge's end nodes, or
    # straight from a point inside the same edge.
    door, node, seconds = _door_arcs(rg, pts, reverse=reverse)
    leaf_node, leaf, extra = _leaf_arcs(rg, reverse=reverse)
    same_w, same_f, same_t = _same_edge(rg, pts, reverse=reverse)

    def chunk(done: int, total: int) -> None:
        check_cancel(cancel)
        report(progress, done / max(1, total), "计算各站点可达范围")

    r, c, v = each_source_reach(
        base.indptr,
        base.indices,
        base.data,
        node,
        seconds,
        door,
        pts.shape[0],
        limit_s=float(limit_s),
        leaf_node=leaf_node,
        leaf_id=leaf,
        leaf_extra=extra,
        n_leaves=rg.virtual_edge.shape[0],
        leaf_seed_id=same_w,
        leaf_seed_time=same_t,
        leaf_seed_src=same_f,
        chunk=chunk,
    )
    report(progress, 1.0, "可达范围完成")
    return sparse.csr_array((v, (r, c)), shape=(pts.shape[0], rg.n_nodes))
