"""API shapes of the WBS: the schedule's settings, its tasks, links and assignments.

As with the purchase plan, a field's JSON type is checked here (a list where a number belongs
is a 422 `validation_error`) and its content by the WBS services, which answer 400 with the same
messages the page shows: numbers may be JSON numbers or strings ("3"), dates are "YYYY-MM-DD"
strings, kinds and constraint types are codes. Fields the API does not know are ignored, as
everywhere in the API.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import StrictFloat, StrictInt, StrictStr, WithJsonSchema

from epm.core.schemas import ObjectId

Whole = Annotated[
    StrictInt | StrictFloat | StrictStr,
    WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "string", "pattern": r"^-?\d+$"}]}),
]
Hours = Annotated[
    StrictInt | StrictFloat | StrictStr,
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string"}]}),
]
Day = Annotated[StrictStr, WithJsonSchema({"type": "string", "format": "date"})]
KIND = "task or milestone (a task with subtasks is a summary by itself)."
CONSTRAINT = "asap, snet (start no earlier than), fnlt (finish no later than), mso (must start on)."
LINK_KIND = "FS, SS, FF or SF."


class WbsSettingsOut(Schema):
    start_on: dt.date
    status_on: dt.date | None = Field(..., description="Progress is measured up to this day.")
    deadline_on: dt.date | None
    calendar_code: str = Field(..., description="Empty: the company's default calendar.")
    slip_threshold_days: int
    finish_on: dt.date | None = Field(..., description="The computed finish of the schedule.")
    computed_at: dt.datetime | None
    revision: int = Field(..., description="Bumped by every change of the schedule.")


class WbsSettingsPatch(Schema):
    """Fields left out keep their value; null clears the status date or the deadline."""

    start_on: Day | None = None
    status_on: Day | None = None
    deadline_on: Day | None = None
    calendar_code: StrictStr | None = None
    slip_threshold_days: Whole | None = None


class WbsTaskOut(Schema):
    id: int
    parent_id: int | None
    position: int = Field(..., description="Among its siblings, from 0.")
    row: int = Field(..., description="In WBS order, from 0.")
    outline: str = Field(..., description='The WBS code, "1.2.3".')
    depth: int = Field(..., description="1 for top-level tasks.")
    name: str
    kind: str = Field(..., description="summary, task or milestone.")
    duration_days: int = Field(..., description="Working days.")
    constraint_type: str = Field(..., description=CONSTRAINT)
    constraint_on: dt.date | None
    actual_start_on: dt.date | None
    actual_finish_on: dt.date | None
    percent_complete: int
    remaining_days: int | None
    work_products: list[str] = Field(..., description="Of a milestone.")
    notes: str
    start_on: dt.date | None = Field(..., description="Computed by the scheduler.")
    finish_on: dt.date | None
    total_float: int | None = Field(..., description="Working days.")
    free_float: int | None
    critical: bool
    predecessors: str = Field(..., description='In MS Project notation: "1.2FS+2, 1.3SS".')
    planned_hours: Decimal


class WbsTaskFields(Schema):
    kind: StrictStr | None = Field(None, description=KIND)
    duration_days: Whole | None = Field(None, description="Working days, 0 to 10000.")
    constraint_type: StrictStr | None = Field(None, description=CONSTRAINT)
    constraint_on: Day | None = None
    actual_start_on: Day | None = None
    actual_finish_on: Day | None = None
    percent_complete: Whole | None = None
    remaining_days: Whole | None = Field(None, description="Null: from % complete.")
    work_products: StrictStr | None = Field(None, description="Milestones: one per line.")
    notes: StrictStr | None = None


class WbsTaskIn(WbsTaskFields):
    """Fields left out take their defaults (a one-day task, as soon as possible)."""

    name: StrictStr = Field(..., description="At most 200 characters.")
    parent_id: ObjectId | None = Field(None, description="Null: a top-level task.")
    position: Whole | None = Field(None, description="Among the siblings; null: last.")


class WbsTaskPatch(WbsTaskFields):
    """Fields left out keep their value; the task is checked as a whole again."""

    name: StrictStr | None = None


class WbsMoveIn(Schema):
    parent_id: ObjectId | None = Field(None, description="Null: the top level.")
    position: Whole | None = Field(None, description="Among the new siblings; null: last.")


class WbsLinkOut(Schema):
    id: int
    predecessor_id: int
    successor_id: int
    kind: str
    lag_days: int = Field(..., description="Working days; negative is a lead.")
    text: str = Field(..., description='As the successor lists it: "1.2FS+2".')


class WbsLinkIn(Schema):
    predecessor_id: ObjectId
    successor_id: ObjectId
    kind: StrictStr = Field("FS", description=LINK_KIND)
    lag_days: Whole = 0


class WbsLinkPatch(Schema):
    kind: StrictStr | None = Field(None, description=LINK_KIND)
    lag_days: Whole | None = None


class WbsAssignmentOut(Schema):
    id: int
    task_id: int
    user_id: int | None
    name: str = Field(..., description="The person, or a resource named by an imported file.")
    planned_hours: Decimal


class WbsAssignmentIn(Schema):
    planned_hours: Hours = Field(..., description="Above 0, one decimal place.")


class WbsTotalsOut(Schema):
    task_count: int
    milestone_count: int
    finish_on: dt.date | None
    planned_hours: Decimal


class WbsScheduleOut(Schema):
    project_id: int
    editable: bool
    frozen_reason: str | None = Field(..., description="Why the schedule cannot be changed now.")
    settings: WbsSettingsOut
    totals: WbsTotalsOut
    tasks: list[WbsTaskOut] = Field(..., description="In WBS order.")
    links: list[WbsLinkOut]
    assignments: list[WbsAssignmentOut]
