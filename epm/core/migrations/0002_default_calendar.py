"""The default company calendar: the PRC statutory calendar with 09:00–18:00 working days."""

import datetime as dt

from django.db import migrations


def create(apps, schema_editor):
    CompanyCalendar = apps.get_model("core", "CompanyCalendar")
    CompanyCalendar.objects.get_or_create(
        code="default",
        defaults={
            "name": "公司标准日历",
            "day_start": dt.time(9, 0),
            "noon": dt.time(12, 0),
            "day_end": dt.time(18, 0),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
