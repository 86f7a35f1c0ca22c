"""The `epm` command: Django's management commands plus OpenEPM's own (serve, tick, demo)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epm.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["epm", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
