"""The initiation chain asks commerce to check the purchase plan against the contract and the
review board to score the initiation (R5), as forms filled in on approval.

A new version of the chain, so a running request keeps the version it started with; a chain
the PMO administrator has already changed by hand is left alone.
"""

from django.db import migrations


def org(role):
    return {"kind": "org_role", "role": role}


def project_role(role):
    return {"kind": "project_role", "role": role}


STEPS = [
    {
        "name": "PMO审核",
        "mode": "any",
        "due_days": 2,
        "approvers": [org("pmo_staff")],
        "condition": None,
    },
    {
        "name": "商务部采购计划审核",
        "mode": "any",
        "due_days": 2,
        "approvers": [org("commerce")],
        "condition": None,
        "form": "purchase_review",
    },
    {
        "name": "立项评审会会签",
        "mode": "all",
        "due_days": 3,
        "approvers": [org("expert_committee"), org("finance"), project_role("account_manager")],
        "condition": None,
        "form": "review_scores",
    },
    {
        "name": "总裁审批",
        "mode": "any",
        "due_days": 2,
        "approvers": [org("president")],
        "condition": None,
    },
]


def create(apps, schema_editor):
    Chain = apps.get_model("approvals", "Chain")
    ChainVersion = apps.get_model("approvals", "ChainVersion")
    chain = Chain.objects.filter(code="initiation").first()
    if chain is None or chain.current_version_id is None:
        return
    current = ChainVersion.objects.get(pk=chain.current_version_id)
    if current.number != 1 or current.created_by_id is not None:
        return  # edited by a person since: theirs to keep
    version = ChainVersion.objects.create(
        chain=chain,
        number=current.number + 1,
        steps=STEPS,
        cc=current.cc,
        self_approval=current.self_approval,
        escalate_after_days=current.escalate_after_days,
        note="商务部审核采购计划；评审会评分（R5）",
    )
    chain.current_version = version
    chain.save(update_fields=["current_version"])


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0001_initial"),
        ("approvals", "0003_step_forms"),
        ("approvals", "0002_default_chains"),
    ]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
