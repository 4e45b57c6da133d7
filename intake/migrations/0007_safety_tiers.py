"""Safety questions that each ask one thing, and the tier they route to (intake.rules).

Before this, three questions asked several things at once ("bladder_bowel", "leg_weakness",
"fever_weight_cancer") and any "yes" made the request "urgent" (told: 911). A "yes" to an old
question becomes "yes" to each thing that question asked, so no flag a patient raised is lost; staff
see the same symptoms the old wording named. The tier is then computed from the answers, as
intake.request.red_flags.safety_tier does (frozen here: a migration must not import live code).
"""

from django.db import migrations, models
from django.db.models import Q

NEW_FLAGS = (
    "urine_trouble", "bladder_bowel_control", "sexual_problems", "both_legs",
    "worsening_weakness", "fever_unwell", "cancer_history", "weight_loss", "night_pain",
    "infection_risk", "fracture_risk", "morning_stiffness",
)  # fmt: skip
OLD_TO_NEW = {
    "bladder_bowel": ("urine_trouble", "bladder_bowel_control"),
    "leg_weakness": ("both_legs", "worsening_weakness"),
    "fever_weight_cancer": ("fever_unwell", "weight_loss", "cancer_history"),
}
EMERGENCY = (
    "urine_trouble", "bladder_bowel_control", "saddle_numbness", "sexual_problems", "both_legs",
    "worsening_weakness", "trauma",
)  # fmt: skip
SOON = (
    "fever_unwell", "cancer_history", "weight_loss", "night_pain", "infection_risk",
    "fracture_risk",
)  # fmt: skip


def any_yes(fields):
    q = Q()
    for field in fields:
        q |= Q(**{field: True})
    return q


def split_old_answers(apps, schema_editor):
    ReviewRequest = apps.get_model("intake", "ReviewRequest")
    for old, new in OLD_TO_NEW.items():
        ReviewRequest.objects.filter(**{old: True}).update(**dict.fromkeys(new, True))
    ReviewRequest.objects.filter(any_yes(EMERGENCY)).update(tier=1)
    ReviewRequest.objects.filter(~any_yes(EMERGENCY) & any_yes(SOON)).update(tier=2)


def tier_matches_answers():
    emergency, soon = any_yes(EMERGENCY), any_yes(SOON)
    return (
        (Q(tier=1) & emergency) | (Q(tier=2) & ~emergency & soon) | (Q(tier=3) & ~emergency & ~soon)
    )


class Migration(migrations.Migration):
    dependencies = [("intake", "0006_accesslog_no_truncate")]

    operations = [
        migrations.RemoveConstraint(
            model_name="reviewrequest", name="intake_rr_red_flag_is_urgent"
        ),
        migrations.RemoveIndex(model_name="reviewrequest", name="intake_rr_queue_idx"),
        migrations.RemoveIndex(model_name="reviewrequest", name="intake_rr_new_queue_idx"),
        *(
            migrations.AddField(
                model_name="reviewrequest",
                name=name,
                field=models.BooleanField(default=False),
                preserve_default=False,
            )
            for name in NEW_FLAGS
        ),
        migrations.AddField(
            model_name="reviewrequest",
            name="tier",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (1, "Emergency now"),
                    (2, "See a doctor today or tomorrow"),
                    (3, "Routine"),
                ],
                default=3,
                editable=False,
                help_text="From the safety answers: emergency now, a doctor today or tomorrow, or routine.",
                verbose_name="safety tier",
            ),
        ),
        migrations.RunPython(split_old_answers, migrations.RunPython.noop),
        *(
            migrations.RemoveField(model_name="reviewrequest", name=name)
            for name in ("bladder_bowel", "leg_weakness", "fever_weight_cancer", "urgent")
        ),
        migrations.AlterModelOptions(
            name="reviewrequest",
            options={
                "ordering": ["tier", "submitted_at"],
                "permissions": [
                    ("assign_reviewrequest", "Can assign review requests"),
                    ("record_review_outcome", "Can record the review outcome"),
                    ("export_clinical_text", "Can export what patients wrote in their own words"),
                ],
                "verbose_name": "MRI review request",
            },
        ),
        migrations.AddIndex(
            model_name="reviewrequest",
            index=models.Index(fields=["tier", "submitted_at"], name="intake_rr_queue_idx"),
        ),
        migrations.AddIndex(
            model_name="reviewrequest",
            index=models.Index(
                condition=Q(status="new"),
                fields=["tier", "submitted_at"],
                name="intake_rr_new_queue_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="reviewrequest",
            constraint=models.CheckConstraint(
                condition=tier_matches_answers(), name="intake_rr_tier_matches_answers"
            ),
        ),
    ]
