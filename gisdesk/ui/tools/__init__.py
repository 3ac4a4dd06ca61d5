"""The map canvas's tools: navigation (pan, zoom box, identify, select, measure)."""
