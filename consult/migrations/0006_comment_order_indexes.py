from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("consult", "0005_comment_updated_at")]

    operations = [
        migrations.AddIndex(
            model_name="comment",
            index=models.Index(fields=["-submitted_at", "-id"], name="comment_newest_first"),
        ),
        migrations.AddIndex(
            model_name="comment",
            index=models.Index(
                condition=models.Q(("consent_to_publish", True), ("status", "published")),
                fields=["consultation", "submitted_at", "id"],
                name="comment_public_in_order",
            ),
        ),
    ]
