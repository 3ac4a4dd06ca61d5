"""Plan targets: the official targets as data, measured from the layers, judged, remembered.

The pieces, each usable alone (GUI, CLI and scripts call the same functions):

* :mod:`~gisdesk.analysis.targets.model`: :class:`Target`, its schedule and comparisons;
* :mod:`~gisdesk.analysis.targets.registry`: :func:`load_targets` from a TOML file, and
  :func:`import_targets` / :func:`project_targets` to keep them in a project;
* :mod:`~gisdesk.analysis.targets.metrics`: one small pure function per measurable target;
* :mod:`~gisdesk.analysis.targets.evaluate`: :func:`evaluate_targets`, the tidy table plus
  the gap features;
* :mod:`~gisdesk.analysis.targets.history`: :func:`record_evaluation`, :func:`history_frame`;
* :mod:`~gisdesk.analysis.targets.display`: Chinese/English labels, wide tables and the
  sheets of the Excel export.
"""

from __future__ import annotations

from gisdesk.analysis.targets.display import (
    STATUS_COLOURS,
    STATUS_LABELS,
    STATUS_SYMBOLS,
    column_labels,
    display_frame,
    gap_features,
    status_fills,
    status_label,
    wide_frame,
    workbook_sheets,
)
from gisdesk.analysis.targets.evaluate import (
    GAP_COLUMNS,
    TABLE_COLUMNS,
    TargetEvaluation,
    evaluate_targets,
)
from gisdesk.analysis.targets.history import (
    HISTORY_COLUMNS,
    clear_history,
    history_frame,
    record_evaluation,
)
from gisdesk.analysis.targets.metrics import METRICS, MetricSpec
from gisdesk.analysis.targets.model import (
    COMPARISONS,
    NO_METRIC,
    SCOPES,
    STATUSES,
    Milestone,
    Target,
)
from gisdesk.analysis.targets.registry import (
    Problem,
    TargetsFileError,
    default_targets,
    default_targets_path,
    import_targets,
    load_targets,
    parse_targets,
    project_targets,
    targets_from_records,
)
from gisdesk.analysis.targets.result import Gap, MetricResult, MissingInput, UnitValue

__all__ = [
    "COMPARISONS",
    "GAP_COLUMNS",
    "HISTORY_COLUMNS",
    "METRICS",
    "NO_METRIC",
    "SCOPES",
    "STATUSES",
    "STATUS_COLOURS",
    "STATUS_LABELS",
    "STATUS_SYMBOLS",
    "TABLE_COLUMNS",
    "Gap",
    "MetricResult",
    "MetricSpec",
    "Milestone",
    "MissingInput",
    "Problem",
    "Target",
    "TargetEvaluation",
    "TargetsFileError",
    "UnitValue",
    "clear_history",
    "column_labels",
    "default_targets",
    "default_targets_path",
    "display_frame",
    "evaluate_targets",
    "gap_features",
    "history_frame",
    "import_targets",
    "load_targets",
    "parse_targets",
    "project_targets",
    "record_evaluation",
    "status_fills",
    "status_label",
    "targets_from_records",
    "wide_frame",
    "workbook_sheets",
]
