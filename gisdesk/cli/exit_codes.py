"""Exit codes of the ``gisdesk`` command, one definition for every subcommand.

0 success; 1 the command ran and found something the user must act on (the data has errors,
a target is missed, a black-spot listing has problems, siting cannot reach the share asked);
2 wrong usage or bad input; 3 a file could not be opened or written; 70 an internal error of
gisdesk (the traceback is in the log file, see :mod:`gisdesk.io.logs`); 130 cancelled.
"""

from __future__ import annotations

__all__ = [
    "EXIT_CANCELLED",
    "EXIT_INTERNAL",
    "EXIT_INVALID",
    "EXIT_IO",
    "EXIT_MISSED",
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "EXIT_UNREACHABLE",
    "EXIT_USAGE",
]

EXIT_OK = 0
EXIT_INVALID = 1  # validate: the data has errors
EXIT_MISSED = 1  # targets: a plan target is missed
EXIT_PROBLEMS = 1  # blackspots: the listing has problems to fix
EXIT_UNREACHABLE = 1  # analyze siting: the share asked cannot be reached with the candidates
EXIT_USAGE = 2
EXIT_IO = 3
EXIT_INTERNAL = 70  # a fault of gisdesk itself (BSD sysexits EX_SOFTWARE); details in the log
EXIT_CANCELLED = 130  # like a shell's 128 + SIGINT
