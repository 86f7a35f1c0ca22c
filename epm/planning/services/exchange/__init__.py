"""The WBS in and out of Excel and Microsoft Project (MSPDI XML; .mpp / Primavera through mpxj).

An import replaces the project's whole WBS — tasks, links and assignments; baselines keep their
copies — in one transaction: the project row is locked and checked as for any schedule edit,
the file is read, the new tasks, links and assignments are created inside `scheduler.deferred()`
and the project is scheduled once at the end. Any refusal (a bad row, a link to nothing, a
cycle, a date the calendar cannot answer) rolls everything back: nothing is half-imported.

What an MS Project file brings that OpenEPM keeps differently:

- Links that touch a summary task are re-attached to its subtasks, since OpenEPM links leaves
  only: a summary's start is the start of its first tasks (those with no predecessor inside the
  summary), its finish the finish of its last tasks (no successor inside). So "A FS→ Phase 2"
  becomes A FS→ each first task of Phase 2, and "Phase 1 FS→ B" each last task of Phase 1 FS→ B.
  Each re-attached link is reported as a warning.
- Resources become people by login name, then display name; a resource that names nobody (or
  more than one person) stays a named resource on its assignment. Assignments on summaries are
  dropped with a warning.
- The file's calendar is not imported: dates follow the project's working calendar, which is
  the PMO's. Exceptions in the file that disagree with it are listed as warnings.
- The schedule start becomes the file's StartDate.

Files are bounded (`MAX_FILE_BYTES`) before anything parses them.
"""

from .exports import (
    export_filename,
    export_mspdi,
    export_wbs_excel,
    project_file,
    wbs_template,
)
from .imports import (
    ImportResult,
    import_mpxj,
    import_mspdi,
    import_schedule_file,
    import_wbs_excel,
)
from .uploads import MAX_FILE_BYTES, file_kind, read_upload

__all__ = [
    "MAX_FILE_BYTES",
    "ImportResult",
    "export_filename",
    "export_mspdi",
    "export_wbs_excel",
    "file_kind",
    "import_mpxj",
    "import_mspdi",
    "import_schedule_file",
    "import_wbs_excel",
    "project_file",
    "read_upload",
    "wbs_template",
]
