"""A window-style editor for the concurrent-writers test (run as a child process).

Usage: python concurrent_editor.py PROJECT.gpkg NAME N_EDITS [wait|go]

Opens the project as the window does (``open_project``, then the window's
:class:`~gisdesk.ui.editing.EditController`, the API every editing tool calls) and prints
``READY EDIT`` when it may edit or ``READY READONLY <reason>`` when it may not. With
``wait`` it then waits for a line on stdin. It adds N_EDITS rental factories named
``NAME-1``, ``NAME-2``..., printing ``ACK <fid> <name>`` once each is accepted (written to
the file) or ``REFUSED <name> <message>`` when the controller refuses it, and finally
closes the project, releasing its lock, and prints ``DONE``.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FACTORY = {
    "factory_id": "HM-CF-C",
    "town": "海门街道",
    "building_type": "一栋多厂",
    "tenants": 1,
    "category": "提升",
    "status": "未整改",
}


def _say(*parts: object) -> None:
    sys.stdout.write(" ".join(str(p).replace("\n", " ") for p in parts) + "\n")
    sys.stdout.flush()


def main() -> int:
    from pathlib import Path

    import shapely
    from PySide6.QtGui import QGuiApplication, QUndoStack

    from gisdesk.io.project_store import open_project
    from gisdesk.ui.editing import EditController

    path, name, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    mode = sys.argv[4] if len(sys.argv) > 4 else "go"
    app = QGuiApplication(sys.argv[:1])
    controller = EditController(QUndoStack())
    refusals: list[str] = []
    controller.failed.connect(lambda _title, message: refusals.append(message))
    controller.attach(open_project(path))
    if controller.read_only is None:
        _say("READY", "EDIT")
    else:
        _say("READY", "READONLY", controller.read_only_message("zh"))
    if mode == "wait":
        sys.stdin.readline()
    for i in range(1, count + 1):
        label = f"{name}-{i}"
        point = shapely.Point(121.1 + 0.01 * i, 31.85 + 0.001 * len(name))
        fid = controller.add_feature("rental_factories", point, {**FACTORY, "name": label})
        if fid is None:
            _say("REFUSED", label, refusals[-1] if refusals else "")
        else:
            _say("ACK", fid, label)
        app.processEvents()
    controller.detach()
    _say("DONE")
    return 0


if __name__ == "__main__":
    sys.exit(main())
