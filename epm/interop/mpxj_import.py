"""Microsoft Project .mpp, Primavera .xer and other planners' files, read through mpxj.

mpxj (https://www.mpxj.org) is a Java library; its Python package runs it through JPype. It is
an optional extra (`pip install openepm[mpp]`) and needs a Java runtime. The file is converted
to MSPDI XML, which `epm.interop.mspdi` then reads like any MS Project XML file.

The conversion runs in a child process (`python -m epm.interop.mpxj_import IN OUT`), so a Java
virtual machine never starts inside a web or worker process, a damaged file cannot take one
down, and a conversion that hangs is stopped after `TIMEOUT` seconds.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TIMEOUT = 120  # seconds
SUFFIXES = (".mpp", ".mpx", ".xer", ".pmxml", ".pp", ".gan", ".planner", ".pod")


def package_available() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("mpxj", "jpype"))


def java_available() -> bool:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return True
    return shutil.which("java") is not None


def _unavailable(code: str):
    from django.utils.translation import gettext as _

    from epm.core.errors import ApplicationError

    return ApplicationError(
        _(
            "Reading .mpp and Primavera files needs a Java runtime and the mpxj package, "
            "which are not installed on this server: install Java and pip install "
            "openepm[mpp]. Meanwhile, save the file from MS Project as XML and import that."
        ),
        code,
        status=400,
    )


def convert_to_mspdi(data: bytes, *, filename: str = "") -> bytes:
    """The file as MSPDI XML; raises ApplicationError when mpxj or Java is missing or the file
    cannot be read."""
    from django.utils.translation import gettext as _

    from epm.core.errors import ApplicationError

    if not package_available():
        raise _unavailable("mpxj_missing")
    if not java_available():
        raise _unavailable("java_missing")
    suffix = Path(filename).suffix.lower() if filename else ""
    if suffix not in SUFFIXES:
        suffix = ".mpp"
    with tempfile.TemporaryDirectory(prefix="epm-mpxj-") as folder:
        source = Path(folder) / f"schedule{suffix}"
        target = Path(folder) / "schedule.xml"
        source.write_bytes(data)
        try:
            done = subprocess.run(
                [sys.executable, "-m", "epm.interop.mpxj_import", str(source), str(target)],
                capture_output=True,
                timeout=TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ApplicationError(
                _("Reading the file took longer than %(n)d seconds; it was stopped.")
                % {"n": TIMEOUT},
                "mpxj_timeout",
                status=400,
            ) from None
        if done.returncode != 0 or not target.exists():
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ApplicationError(
                _("mpxj could not read the file: %(reason)s")
                % {"reason": (reason[-1] if reason else "")[:300]},
                "mpxj_failed",
                status=400,
            )
        return target.read_bytes()


def _convert(source: str, target: str) -> None:  # pragma: no cover - needs Java and mpxj
    """In the child process: read any file mpxj knows and write it as MSPDI."""
    import jpype
    import mpxj  # noqa: F401  (puts the mpxj jars on JPype's class path)

    jpype.startJVM(
        "-Dlog4j2.loggerContextFactory=org.apache.logging.log4j.simple.SimpleLoggerContextFactory"
    )
    try:
        try:
            from org.mpxj.mspdi import MSPDIWriter
            from org.mpxj.reader import UniversalProjectReader
        except ImportError:  # mpxj before version 14
            from net.sf.mpxj.mspdi import MSPDIWriter
            from net.sf.mpxj.reader import UniversalProjectReader
        project = UniversalProjectReader().read(source)
        if project is None:
            raise SystemExit("The file is not a schedule mpxj can read.")
        MSPDIWriter().write(project, target)
    finally:
        jpype.shutdownJVM()


if __name__ == "__main__":  # pragma: no cover
    if len(sys.argv) != 3:
        raise SystemExit("usage: python -m epm.interop.mpxj_import SOURCE TARGET.xml")
    _convert(sys.argv[1], sys.argv[2])
