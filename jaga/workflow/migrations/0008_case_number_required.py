"""Case numbers per agency (issue 13 point 12), step 3 of 3: every case has a number, unique
within its agency."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0007_number_existing_cases"),
    ]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="number",
            field=models.PositiveIntegerField(editable=False, verbose_name="number"),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.UniqueConstraint(
                fields=("agency", "number"), name="case_number_per_agency"
            ),
        ),
    ]
