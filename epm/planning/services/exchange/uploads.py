"""Uploaded schedule files: their size bound, their kind, and how their problems are told."""

from __future__ import annotations

from typing import IO

from django.utils.translation import gettext as _

from epm.core.errors import ApplicationError
from epm.interop import mspdi
from epm.interop.excel import CellError

MAX_FILE_BYTES = 10 * 1024 * 1024
IMPORT_MODES = ("replace",)
XLSX_SUFFIXES = (".xlsx",)
XML_SUFFIXES = (".xml",)
MPXJ_SUFFIXES = (".mpp", ".mpx", ".xer", ".pmxml", ".pp", ".gan", ".planner", ".pod")
MINUTES_PER_DAY = mspdi.DEFAULT_MINUTES_PER_DAY
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# --- Reading uploads ----------------------------------------------------------------------------


def _too_large() -> ApplicationError:
    return ApplicationError(
        _("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)},
        "file_too_large",
        status=413,
    )


def read_upload(file: IO[bytes] | bytes) -> bytes:
    """The bytes of an upload, refused with 413 when over the limit — by its declared size
    before anything is read, and never reading more than the limit and one byte."""
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        size = getattr(file, "size", None)
        if isinstance(size, int) and size > MAX_FILE_BYTES:
            raise _too_large()
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _too_large()
    if not data:
        raise ApplicationError(_("The file is empty."), "empty_file")
    return data


def file_kind(filename: str, data: bytes) -> str:
    """ "xlsx", "mspdi" or "mpxj", from the file's name, else from its first bytes."""
    name = (filename or "").lower()
    if name.endswith(XLSX_SUFFIXES):
        return "xlsx"
    if name.endswith(XML_SUFFIXES):
        return "mspdi"
    if name.endswith(MPXJ_SUFFIXES):
        return "mpxj"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data.startswith(_ZIP):
        return "xlsx"
    if head.startswith(b"<") or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "mspdi"
    if data.startswith(_OLE) or data.startswith(b"ERMHDR"):
        return "mpxj"
    raise ApplicationError(
        _(
            "This file is not one OpenEPM can import: use an Excel workbook (.xlsx), "
            "an MS Project XML file (.xml), or with mpxj an .mpp or Primavera .xer file."
        ),
        "unknown_format",
    )


def translated(problem: mspdi.Problem) -> str:
    template = _(problem.template)
    try:
        return template % problem.params if problem.params else template
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
        return str(problem)


def mspdi_error(error: mspdi.MspdiError) -> ApplicationError:
    problem = error.problem
    return ApplicationError(
        translated(problem),
        problem.code,
        detail={k: v for k, v in problem.params.items() if isinstance(v, str | int)},
        status=400,
    )


def check_mode(mode: str) -> None:
    if mode not in IMPORT_MODES:
        raise ApplicationError(
            _("An import replaces the whole WBS; no other mode is offered."), "invalid_mode"
        )


def rows_refused(errors: list[CellError]) -> ApplicationError:
    return ApplicationError(
        _("The file has %(n)d problems; nothing was imported. Correct them and import again.")
        % {"n": len(errors)},
        "invalid_rows",
        status=400,
        detail=[error.as_dict() for error in errors],
    )
