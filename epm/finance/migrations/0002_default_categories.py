"""The cost categories every company starts with; the PMO administrator may change them."""

from django.db import migrations

CATEGORIES = [
    ("labour", "人工费", "Labour"),
    ("travel", "差旅费", "Travel"),
    ("equipment", "设备费", "Equipment"),
    ("outsourcing", "外包费", "Outsourcing"),
    ("materials", "材料费", "Materials"),
    ("other", "其他费用", "Other"),
]


def create(apps, schema_editor):
    CostCategory = apps.get_model("finance", "CostCategory")
    for order, (code, name, name_en) in enumerate(CATEGORIES, start=1):
        CostCategory.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": order * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
