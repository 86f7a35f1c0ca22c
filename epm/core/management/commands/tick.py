"""`epm tick`: run the minute sweep once (cron / Kubernetes CronJob), or forever with --loop."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from epm.core.sweep import run_sweep


class Command(BaseCommand):
    help = "Run every time-driven rule once (idempotent: running twice sends nothing twice)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Run every EPM_TICK_SECONDS.")

    def handle(self, *args, loop: bool = False, **options):
        while True:
            results = run_sweep()
            close_old_connections()
            if options["verbosity"] > 0:
                summary = ", ".join(f"{name}={count}" for name, count in results.items())
                self.stdout.write(f"tick: {summary or 'no rules'}")
            if not loop:
                return
            time.sleep(settings.EPM_TICK_SECONDS)
