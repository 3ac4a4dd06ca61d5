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


def main() -> int:
    import shapely
    from PySide6.QtWidgets import QApplication

    from gisdesk.ui.main_window import MainWindow

    path, seed = sys.argv[1], int(sys.argv[2])
    rng = random.Random(seed)
    app = QApplication(sys.argv[:1])
    window = MainWindow()
    window.open_path(__import__("pathlib").Path(path), wait=True)
    edits = window.edits
    assert edits.store is not None, "the project file must be writable"
    layer = window.project.layer("rental_factories")  # type: ignore[union-attr]
    state: dict[int, list[object]] = {}
    history: list[dict[int, list[object]]] = []  # states before each undoable step
    redo: list[dict[int, list[object]]] = []
    print("READY", flush=True)
    step = 0
    while True:
        step += 1
        choice = rng.random()
        new = {k: list(v) for k, v in state.items()}
        if choice < 0.35 or not state:
            fid = layer.next_fid()
            x, y = 121.1 + rng.random() * 0.3, 31.8 + rng.random() * 0.2
            new[fid] = [f"厂{step}", round(x, 6), round(y, 6)]
            print("TRY", json.dumps(new), flush=True)
            got = edits.add_feature(
                "rental_factories",
                shapely.Point(round(x, 6), round(y, 6)),
                {**FACTORY, "name": f"厂{step}"},
            )
            assert got == fid
        elif choice < 0.6:
            fid = rng.choice(sorted(state))
            new[fid][0] = f"改{step}"
            print("TRY", json.dumps(new), flush=True)
            assert edits.update_feature("rental_factories", fid, {"name": f"改{step}"})
        elif choice < 0.75:
            fid = rng.choice(sorted(state))
            x, y = new[fid][1] + 0.001, new[fid][2] + 0.001  # type: ignore[operator]
            new[fid][1:] = [round(x, 6), round(y, 6)]  # type: ignore[arg-type]
            print("TRY", json.dumps(new), flush=True)
            geom = shapely.Point(new[fid][1], new[fid][2])  # type: ignore[arg-type]
            assert edits.update_feature("rental_factories", fid, {"geometry": geom})
        elif choice < 0.85:
            fid = rng.choice(sorted(state))
            del new[fid]
            print("TRY", json.dumps(new), flush=True)
            assert edits.delete_features("rental_factories", [fid])
        elif choice < 0.95 and history:
            new = history[-1]
            print("TRY", json.dumps(new), flush=True)
            window.undo.undo()
            redo.append(state)
            history.pop()
            state = new
            print("ACK", json.dumps(state), flush=True)
            app.processEvents()
            continue
        elif redo:
            new = redo[-1]
            print("TRY", json.dumps(new), flush=True)
            window.undo.redo()
            history.append(state)
            redo.pop()
            state = new
            print("ACK", json.dumps(state), flush=True)
            app.processEvents()
            continue
        else:
            continue
        history.append(state)
        redo.clear()
        state = new
        print("ACK", json.dumps(state), flush=True)
        app.processEvents()


if __name__ == "__main__":
    sys.exit(main())
