import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("consult", "0004_attachment_type_valid")]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True,
                db_index=True,
                default=django.utils.timezone.now,
                verbose_name="updated",
            ),
            preserve_default=False,
        ),
    ]
