"""Run ``python -m gisdesk``: the command-line interface (the GUI is imported lazily)."""

from gisdesk.cli.main import main

raise SystemExit(main())
