"""The five project types of the seeds, each with its default lifecycle template."""

from django.db import migrations

TYPES = [
    ("software", "软件开发", "Software development"),
    ("system_integration", "系统集成", "System integration"),
    ("it_service", "IT服务", "IT service"),
    ("equipment", "设备系统", "Equipment installation"),
    ("smart", "智慧项目", "Smart project"),
]
OPTIONAL = ["planning", "trial_run", "initial_acceptance", "final_acceptance"]
GATES = ["approve_initiation", "cancel", "close", "resume", "start_execution", "suspend"]
TEMPLATES = {
    "software": (OPTIONAL, "final_acceptance"),
    "system_integration": (OPTIONAL, "initial_acceptance"),
    "it_service": (["planning", "final_acceptance"], "final_acceptance"),
    "equipment": (OPTIONAL, "initial_acceptance"),
    "smart": (OPTIONAL, "final_acceptance"),
}


def create(apps, schema_editor):
    ProjectType = apps.get_model("projects", "ProjectType")
    LifecycleTemplate = apps.get_model("projects", "LifecycleTemplate")
    for order, (code, name, name_en) in enumerate(TYPES):
        project_type, _ = ProjectType.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )
        phases, closure_after = TEMPLATES[code]
        LifecycleTemplate.objects.get_or_create(
            project_type=project_type,
            defaults={"phases": phases, "closure_after": closure_after, "gates": GATES},
        )


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
