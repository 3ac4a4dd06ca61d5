"""The gisdesk window making a burst of edits, for the SIGKILL test (run as a child process).

Usage: python burst_app.py PROJECT.gpkg SEED

Opens the project in the real main window (offscreen) and edits the rental-factory layer
through the window's edit controller, as the tools do: adds factories, renames and moves
them, deletes some, undoes and redoes. Before each edit it prints ``TRY <json>`` and after
the edit was accepted ``ACK <json>`` (flushed), where the JSON is the expected content of
the layer's edited features (fid -> [name, x, y]) after that edit. The parent kills the
process at a random moment and checks the file against the last ACK (or the TRY in flight).
"""

from __future__ import annotations

import json
import os
import random
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FACTORY = {
    "factory_id": "HM-CF-T",
    "town": "海门街道",
    "building_type": "一栋多厂",
    "tenants": 1,
    "category": "提升",
    "status": "未整改",
}


def _edit(rng, step, layer, edits, state):  # type: ignore[no-untyped-def]
    """Make one random feature edit; print TRY before it; return the expected new state."""
    import shapely

    new = {k: list(v) for k, v in state.items()}
    choice = rng.random()
    if choice < 0.4 or not state:
        fid = layer.next_fid()
        x, y = round(121.1 + rng.random() * 0.3, 6), round(31.8 + rng.random() * 0.2, 6)
        new[fid] = [f"厂{step}", x, y]
        _say("TRY", new)
        values = {**FACTORY, "name": f"厂{step}"}
        assert edits.add_feature("rental_factories", shapely.Point(x, y), values) == fid
    elif choice < 0.7:
        fid = rng.choice(sorted(state))
        new[fid][0] = f"改{step}"
        _say("TRY", new)
        assert edits.update_feature("rental_factories", fid, {"name": f"改{step}"})
    elif choice < 0.85:
        fid = rng.choice(sorted(state))
        new[fid][1:] = [round(new[fid][1] + 0.001, 6), round(new[fid][2] + 0.001, 6)]
        _say("TRY", new)
        geom = shapely.Point(new[fid][1], new[fid][2])
        assert edits.update_feature("rental_factories", fid, {"geometry": geom})
    else:
        fid = rng.choice(sorted(state))
        del new[fid]
        _say("TRY", new)
        assert edits.delete_features("rental_factories", [fid])
    return new


def _say(kind: str, state: object = None) -> None:
    """Write one whole line in one write: a kill cannot leave half a message behind."""
    text = kind if state is None else f"{kind} {json.dumps(state)}"
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def main() -> int:
    from pathlib import Path

    from PySide6.QtWidgets import QApplication

    from gisdesk.ui.main_window import MainWindow

    path, seed = sys.argv[1], int(sys.argv[2])
    rng = random.Random(seed)
    app = QApplication(sys.argv[:1])
    window = MainWindow()
    window.open_path(Path(path), wait=True)
    assert window.edits.store is not None, "the project file must be writable"
    layer = window.project.layer("rental_factories")  # type: ignore[union-attr]
    state: dict[int, list[object]] = {}
    done: list[dict[int, list[object]]] = []  # states before each undoable step
    undone: list[dict[int, list[object]]] = []
    _say("READY")
    step = 0
    while True:
        step += 1
        roll = rng.random()
        if roll < 0.1 and done:  # undo
            _say("TRY", done[-1])
            window.undo.undo()
            undone.append(state)
            state = done.pop()
        elif roll < 0.15 and undone:  # redo
            _say("TRY", undone[-1])
            window.undo.redo()
            done.append(state)
            state = undone.pop()
        else:
            new = _edit(rng, step, layer, window.edits, state)
            done.append(state)
            undone.clear()
            state = new
        _say("ACK", state)
        app.processEvents()


if __name__ == "__main__":
    sys.exit(main())
