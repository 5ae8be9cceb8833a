# Near-duplicate campaigns: each comment's campaign, its MinHash signature and band keys.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("consult", "0017_notifications"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="cluster",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="cluster_members",
                to="consult.comment",
                verbose_name="campaign",
            ),
        ),
        migrations.AddField(
            model_name="comment",
            name="kept_apart",
            field=models.BooleanField(
                default=False, editable=False, verbose_name="kept out of campaigns"
            ),
        ),
        migrations.AddIndex(
            model_name="comment",
            index=models.Index(fields=["consultation", "cluster"], name="comment_cluster"),
        ),
        migrations.AddIndex(
            model_name="comment",
            index=models.Index(
                condition=models.Q(("cluster__isnull", True)),
                fields=["id"],
                name="comment_unclustered",
            ),
        ),
        migrations.CreateModel(
            name="CommentSignature",
            fields=[
                (
                    "comment",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="signature",
                        serialize=False,
                        to="consult.comment",
                    ),
                ),
                (
                    "consultation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="consult.consultation",
                    ),
                ),
                ("minhash", models.BinaryField()),
            ],
            options={
                "verbose_name": "comment signature",
            },
        ),
        migrations.CreateModel(
            name="CommentBand",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "consultation",
                        "key",
                        "comment",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                (
                    "consultation",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="consult.consultation",
                    ),
                ),
                ("key", models.BigIntegerField()),
                (
                    "comment",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="consult.comment",
                    ),
                ),
            ],
            options={
                "verbose_name": "comment band",
            },
        ),
    ]
