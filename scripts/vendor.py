"""Copy the front-end files OpenEPM serves from node_modules into epm/static/vendor.

Run by `make setup` after `npm ci`; the copies are not committed (the lock file is).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "node_modules"
TARGET = ROOT / "epm" / "static" / "vendor"

FILES = {
    "@tabler/core/dist/css/tabler.min.css": "tabler/tabler.min.css",
    "@tabler/core/dist/js/tabler.min.js": "tabler/tabler.min.js",
    "htmx.org/dist/htmx.min.js": "htmx/htmx.min.js",
    "alpinejs/dist/cdn.min.js": "alpinejs/alpine.min.js",
    "echarts/dist/echarts.min.js": "echarts/echarts.min.js",
    "frappe-gantt/dist/frappe-gantt.umd.js": "frappe-gantt/frappe-gantt.umd.js",
    "frappe-gantt/dist/frappe-gantt.css": "frappe-gantt/frappe-gantt.css",
}


def main() -> int:
    missing = [src for src in FILES if not (MODULES / src).exists()]
    if missing:
        print("missing front-end files (did `npm ci` run?):", *missing, sep="\n  ", file=sys.stderr)
        return 1
    for src, dst in FILES.items():
        target = TARGET / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(MODULES / src, target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
