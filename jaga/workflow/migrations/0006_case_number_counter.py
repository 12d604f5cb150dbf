"""Case numbers per agency (issue 13 point 12), step 1 of 3: the counter table and an empty
``Case.number``."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0001_initial"),
        ("workflow", "0005_alter_case_source"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseCounter",
            fields=[
                (
                    "agency",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="tenancy.agency",
                        verbose_name="agency",
                    ),
                ),
                (
                    "last",
                    models.PositiveIntegerField(default=0, verbose_name="last case number"),
                ),
            ],
            options={
                "verbose_name": "case counter",
                "verbose_name_plural": "case counters",
            },
        ),
        migrations.AddField(
            model_name="case",
            name="number",
            field=models.PositiveIntegerField(editable=False, null=True, verbose_name="number"),
        ),
    ]
