"""The default chain for outsourcing applications (外包申请, R1): PMO, commerce, president.

Same data shape as approvals/migrations/0002_default_chains.py; a chain that already exists
(the PMO administrator made one by hand) is left alone.
"""

from django.db import migrations


def org(role):
    return {"kind": "org_role", "role": role}


def step(name, approvers, mode="any", due_days=2, condition=None):
    return {
        "name": name,
        "mode": mode,
        "due_days": due_days,
        "approvers": approvers,
        "condition": condition,
    }


CODE = "outsourcing"
STEPS = [
    step("PMO审核", [org("pmo_staff")]),
    step("商务部审核", [org("commerce")]),
    step("总裁审批", [org("president")]),
]


def create(apps, schema_editor):
    Chain = apps.get_model("approvals", "Chain")
    ChainVersion = apps.get_model("approvals", "ChainVersion")
    chain, _created = Chain.objects.get_or_create(
        code=CODE,
        defaults={
            "name": "外包申请审批",
            "name_en": "Outsourcing application",
            "subject_kind": "project.outsourcing",
            "is_active": True,
        },
    )
    if chain.current_version_id is not None:
        return
    version = ChainVersion.objects.create(
        chain=chain,
        number=1,
        steps=STEPS,
        cc=[],
        self_approval="escalate",
        escalate_after_days=2,
    )
    chain.current_version = version
    chain.save(update_fields=["current_version"])


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0003_intake_nomination"),
        ("approvals", "0002_default_chains"),
    ]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
