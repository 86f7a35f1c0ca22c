"""`epm serve`: the production web server, the task worker and the minute sweep, together.

Gunicorn serves the WSGI application (static files through WhiteNoise), `db_worker` runs
background tasks, and this process runs `epm tick` every EPM_TICK_SECONDS. If any child dies,
everything stops with an error, so a supervisor (systemd, Kubernetes) can restart it cleanly.
When scaled out, run the three separately instead (see README).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from epm.core.sweep import run_sweep


class Command(BaseCommand):
    help = "Serve OpenEPM: web server + task worker + minute sweep."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("EPM_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("EPM_WEB_WORKERS", "2"))
        )
        parser.add_argument("--no-worker", action="store_true", help="Do not run the task worker.")
        parser.add_argument("--no-tick", action="store_true", help="Do not run the minute sweep.")

    def handle(self, *args, **options):
        python = sys.executable
        children = {
            "web": subprocess.Popen(
                [
                    python,
                    "-m",
                    "gunicorn",
                    "epm.wsgi:application",
                    "--bind",
                    f"{options['host']}:{options['port']}",
                    "--workers",
                    str(options["workers"]),
                    "--threads",
                    "4",
                    "--access-logfile",
                    "-",
                    "--graceful-timeout",
                    "10",
                ]
            )
        }
        if not options["no_worker"]:
            children["worker"] = subprocess.Popen([python, "-m", "epm.cli", "db_worker"])
        self.stdout.write(
            f"OpenEPM on http://{options['host']}:{options['port']}/ "
            f"({', '.join(children)}{'' if options['no_tick'] else ', tick'}); Ctrl+C stops."
        )
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        next_tick = time.monotonic()
        code = 0
        try:
            while not stopping:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"{name} exited with {child.returncode}; stopping.")
                        code = 1
                        stopping = True
                if not options["no_tick"] and time.monotonic() >= next_tick and not stopping:
                    run_sweep()
                    close_old_connections()
                    next_tick = time.monotonic() + settings.EPM_TICK_SECONDS
                time.sleep(0.5)
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.terminate()
            for child in children.values():
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
        sys.exit(code)
