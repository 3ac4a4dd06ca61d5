"""The tiled, threaded union of service-area buffers covers exactly what one union does."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from gisdesk.analysis.isochrones import union_polygons
from gisdesk.core.errors import Cancelled
from gisdesk.core.progress import CancelToken


def _buffers(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    start = rng.uniform(0, 20_000, (n, 2))
    end = start + rng.normal(0, 150, (n, 2))
    lines = shapely.linestrings(np.stack([start, end], axis=1))
    return np.asarray(shapely.buffer(lines, 50.0, quad_segs=8), dtype=object)


@pytest.mark.parametrize("workers", [2, 5])
def test_tiled_union_is_the_same_area_as_one_union(workers):
    polys = _buffers(2_500, seed=workers)
    reference = shapely.union_all(polys)
    seen: list[float] = []
    tiled = union_polygons(polys, workers=workers, progress=lambda f, _m: seen.append(f))
    assert shapely.get_num_geometries(reference) > 10  # many separate areas, not one blob
    assert shapely.symmetric_difference(reference, tiled).area < 1e-6 * reference.area
    assert shapely.is_valid(tiled)
    assert seen == sorted(seen)
    assert seen[-1] == pytest.approx(1.0)


def test_tiled_union_is_the_same_whatever_the_number_of_threads():
    polys = _buffers(2_500, seed=11)
    one, two, five = (union_polygons(polys, workers=w) for w in (1, 2, 5))
    assert shapely.to_wkb(one) == shapely.to_wkb(two) == shapely.to_wkb(five)


def test_small_inputs_are_one_union():
    polys = _buffers(50, seed=9)
    assert union_polygons(polys).equals(shapely.union_all(polys))


def test_cancel_stops_between_tiles():
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        union_polygons(_buffers(2_100, seed=4), workers=2, cancel=token)
