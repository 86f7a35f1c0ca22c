"""`epm demo`: load the demo company and print who can sign in."""

from __future__ import annotations

import unicodedata

from django.core.management.base import BaseCommand, CommandParser

from epm.core.demo import DemoResult, demo_summary, load_demo
from epm.projects.models import Project


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = [c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)]
        return "  ".join(padded).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


class Command(BaseCommand):
    help = "Load the demo company (people, departments, projects); safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load nothing when any project exists already (used by `make run`).",
        )

    def handle(self, *args, if_empty: bool = False, verbosity: int = 1, **options) -> None:
        if if_empty and Project.objects.exists():
            result = demo_summary()
            self.stdout.write("Projects exist already: demo company not loaded.")
        else:
            result = load_demo(stdout=self.stdout if verbosity > 1 else None)
            if result.created_anything:
                self.stdout.write(
                    f"Demo company loaded: {result.created_departments} departments, "
                    f"{result.created_users} users, {result.created_projects} projects created."
                )
            else:
                self.stdout.write("Demo company already loaded: nothing changed.")
        self._print(result)

    def _print(self, result: DemoResult) -> None:
        if not result.logins:
            self.stdout.write("No demo users in this database.")
            return
        self.stdout.write("")
        rows = [
            [u.username, u.display_name, u.department, u.title, ", ".join(u.roles) or "-"]
            for u in result.logins
        ]
        for text in _table(["Login", "Name", "Department", "Title", "Org roles"], rows):
            self.stdout.write(text)
        self.stdout.write("")
        self.stdout.write(f"Password for every demo login: {result.password}")
        self.stdout.write(f"Demo project manager: {result.demo_pm_username}")
        if result.projects:
            self.stdout.write("")
            rows = [[p.number, p.status, p.pm, p.name] for p in result.projects]
            for text in _table(["Number", "State", "PM", "Project"], rows):
                self.stdout.write(text)
