"""The default approval chains, as the seeds describe the company's processes.

The PMO administrator edits them in the chain editor; each save makes a new version. Chains for
subjects that later issues build (weekly report, budget, change) are shipped switched off.
"""

from django.db import migrations


def org(role):
    return {"kind": "org_role", "role": role}


def head(levels=0, of="project"):
    return {"kind": "department_head", "of": of, "levels": levels}


def project_role(role):
    return {"kind": "project_role", "role": role}


def step(name, approvers, mode="any", due_days=2, condition=None):
    return {
        "name": name,
        "mode": mode,
        "due_days": due_days,
        "approvers": approvers,
        "condition": condition,
    }


TRANSITION = "project.transition"
# code, name, English name, subject kind, active, self-approval, steps
CHAINS = [
    (
        "initiation",
        "立项审批",
        "Project initiation",
        TRANSITION,
        True,
        "escalate",
        [
            step("PMO审核", [org("pmo_staff")]),
            step(
                "立项评审会会签",
                [org("expert_committee"), org("finance"), project_role("account_manager")],
                mode="all",
                due_days=3,
            ),
            step("总裁审批", [org("president")]),
        ],
    ),
    (
        "pm_appointment",
        "项目经理任命",
        "Project manager appointment",
        "project.appoint_pm",
        True,
        "skip",
        [
            step("技术部门负责人确认", [head()]),
            step("客户经理确认", [project_role("account_manager")]),
            step("PMO审批", [org("pmo_admin")]),
        ],
    ),
    (
        "implementation_plan",
        "实施计划审批",
        "Implementation plan",
        TRANSITION,
        True,
        "escalate",
        [
            step(
                "大项目经理审批",
                [project_role("big_project_manager")],
                condition={"field": "is_sub_project", "op": "==", "value": True},
            ),
            step(
                "实施计划会签",
                [org("pmo_staff"), org("quality"), head(), org("commerce"), org("president")],
                mode="all",
                due_days=3,
            ),
        ],
    ),
    (
        "suspension",
        "项目暂停审批",
        "Suspension",
        TRANSITION,
        True,
        "escalate",
        [step("PMO审核", [org("pmo_staff")]), step("技术部门负责人确认", [head()])],
    ),
    (
        "resumption",
        "项目恢复审批",
        "Resumption",
        TRANSITION,
        True,
        "escalate",
        [step("PMO审核", [org("pmo_staff")])],
    ),
    (
        "cancellation",
        "撤项审批",
        "Cancellation",
        TRANSITION,
        True,
        "escalate",
        [
            step("PMO审核", [org("pmo_staff")]),
            step("技术部门负责人确认", [head()]),
            step("财务资产审核", [org("finance")]),
            step("总裁审批", [org("president")]),
        ],
    ),
    (
        "closure",
        "结项审批",
        "Closure",
        TRANSITION,
        True,
        "escalate",
        [
            step("PMO审核", [org("pmo_staff")]),
            step("质量部检查", [org("quality")]),
            step("技术部门负责人确认", [head()]),
        ],
    ),
    (
        "weekly_report",
        "周报审批",
        "Weekly report",
        "weekly_report",
        False,
        "escalate",
        [step("项目经理审批", [project_role("pm")], due_days=1)],
    ),
    (
        "budget",
        "月度费用预算审批",
        "Monthly cost budget",
        "budget",
        False,
        "escalate",
        [
            step("部门负责人审批", [head()]),
            step("上级部门负责人审批", [head(1)]),
            step("财务审核", [org("finance")]),
        ],
    ),
    (
        "change",
        "变更审批",
        "Change request",
        "change",
        False,
        "escalate",
        [
            step("PMO审核", [org("pmo_staff")]),
            step("技术部门负责人确认", [head()]),
            step("总裁审批", [org("president")]),
        ],
    ),
]


# Copied (抄送) when approved: the account manager hears of a cancellation (R25) and a closure.
COPIES = {
    "cancellation": [project_role("account_manager")],
    "closure": [project_role("account_manager")],
}


def create(apps, schema_editor):
    Chain = apps.get_model("approvals", "Chain")
    ChainVersion = apps.get_model("approvals", "ChainVersion")
    for code, name, name_en, kind, active, policy, steps in CHAINS:
        chain, created = Chain.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "subject_kind": kind, "is_active": active},
        )
        if chain.current_version_id is not None:
            continue
        version = ChainVersion.objects.create(
            chain=chain,
            number=1,
            steps=steps,
            cc=COPIES.get(code, []),
            self_approval=policy,
            escalate_after_days=2,
        )
        chain.current_version = version
        chain.save(update_fields=["current_version"])


class Migration(migrations.Migration):
    dependencies = [("approvals", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
