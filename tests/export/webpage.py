"""Read gisdesk web maps back: the JSON data in the page, and the page as headless Chromium
builds it (DOM dump, and a probe that opens every popup and tooltip)."""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path
from typing import Any

from .conftest import need_tool

_DATA = re.compile(r'<script type="application/json" id="gd-data">(.*?)</script>', re.S)
_POLICY = re.compile(r'<meta http-equiv="Content-Security-Policy" content="[^"]*">\n?')
_PROBE_OUT = re.compile(r'<pre id="gd-probe">(.*?)</pre>', re.S)

# Opens each feature's popup and tooltip through Leaflet's events, as a click and a hover
# would, and records what they show; waits before reading document.title again, so an
# injected onerror/onload handler would have had its turn. Result as JSON in <pre>.
PROBE = r"""
<script>
setTimeout(function () {
  var KNOWN = {TABLE: 1, TBODY: 1, TR: 1, TH: 1, TD: 1, SPAN: 1, DIV: 1, LABEL: 1, INPUT: 1,
               svg: 1, polygon: 1, circle: 1};  // legend swatches of point symbols
  var out = {title: document.title, popups: [], tooltips: [], foreign: []};
  function foreign(node) {
    node.querySelectorAll("*").forEach(function (e) {
      if (!KNOWN[e.tagName]) { out.foreign.push(e.tagName); }
    });
  }
  var map = window.gdMap;
  map.eachLayer(function (layer) {
    if (!layer.feature) { return; }
    var at = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
    layer.fire("click", {latlng: at}, true);
    var popup = document.querySelector(".leaflet-popup-content");
    if (popup) {
      foreign(popup);
      out.popups.push({cells: Array.prototype.map.call(
        popup.querySelectorAll("th, td"), function (e) { return e.textContent; })});
    }
    map.closePopup();
    layer.fire("mouseover", {latlng: at}, true);
    var tip = document.querySelector(".leaflet-tooltip");
    if (tip) { foreign(tip); out.tooltips.push(tip.textContent); }
    layer.fire("mouseout", {latlng: at}, true);
  });
  var box = document.querySelector(".gd-title");
  out.title_div = box ? box.textContent : null;
  out.legend = Array.prototype.map.call(
    document.querySelectorAll(".gd-legend-group, .gd-legend-row span:not(.gd-sw)"),
    function (e) { return e.textContent; });
  out.layer_names = Array.prototype.map.call(
    document.querySelectorAll(".leaflet-control-layers-overlays label span span"),
    function (e) { return e.textContent.replace(/^ /, ""); });
  out.labels = Array.prototype.map.call(
    document.querySelectorAll(".gd-label"),
    function (e) { return {text: e.textContent, shown: e.parentNode.style.visibility !== "hidden",
                           pane: e.closest(".leaflet-pane").className}; });
  document.querySelectorAll(".gd-label").forEach(foreign);
  out.markers = {};
  map.eachLayer(function (layer) {
    if (layer.feature && layer.getLatLng) {
      var m = layer.options.marker || "?";
      out.markers[m] = (out.markers[m] || 0) + 1;
    }
  });
  out.scale = Array.prototype.map.call(
    document.querySelectorAll(".leaflet-control-scale-line"),
    function (e) { return e.textContent; });
  [".gd-title", ".gd-legend", ".leaflet-control-layers-overlays"].forEach(function (sel) {
    var node = document.querySelector(sel);
    if (node) { foreign(node); }
  });
  setTimeout(function () {
    out.title_later = document.title;
    var pre = document.createElement("pre");
    pre.id = "gd-probe";
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  }, 500);
}, 100);
</script>
"""


def page_data(page: str) -> dict[str, Any]:
    """Return the JSON document a web map page carries."""
    match = _DATA.search(page)
    assert match is not None, "the page has no gd-data element"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def chromium_dump(page: Path, tmp_path: Path, *, budget_ms: int = 3000) -> str:
    """Return the DOM headless Chromium builds from a page (no network, fresh profile)."""
    exe = need_tool("chromium")
    profile = tmp_path / f"profile-{page.stem}"
    run = subprocess.run(
        [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={budget_ms}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=tmp_path,
    )
    return run.stdout


def probe_page(page: Path, tmp_path: Path) -> dict[str, Any]:
    """Open every popup and tooltip of a web map in Chromium and return what they show.

    The probe runs in a copy of the page without its Content-Security-Policy, so it also
    shows that the page's own code never makes elements or runs handlers from the data
    (the policy would otherwise stop an injected handler on its own).
    """
    text = page.read_text(encoding="utf-8")
    assert _POLICY.search(text), "the page has no Content-Security-Policy"
    probed = page.with_name(f"{page.stem}-probe.html")
    probed.write_text(
        _POLICY.sub("", text, count=1).replace("</body>", PROBE + "</body>"), encoding="utf-8"
    )
    dom = chromium_dump(probed, tmp_path)
    match = _PROBE_OUT.search(dom)
    assert match is not None, dom[-2000:]
    result: dict[str, Any] = json.loads(html.unescape(match.group(1)))
    return result
