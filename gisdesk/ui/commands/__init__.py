"""Commands the window's actions run on its parts (the action table names them)."""
