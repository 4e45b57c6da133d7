"""Load the exercise library's seed content. Safe to run on every `make run`.

Policy: exercises and routines are matched by slug and only created when missing, so staff edits
made in the admin are never overwritten. `--reset` rewrites the seeded exercises and routines from
the seed text (steps, items and links included), for a fresh demo or after a content update.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from exercises.models import Exercise, Routine, RoutineItem, Status, Step
from exercises.seed_content import EXERCISES, LINKS, ROUTINES
from exercises.seed_content_es import EXERCISES as EXERCISES_ES
from exercises.seed_content_es import ROUTINES as ROUTINES_ES

LIST_FIELDS = ("mistakes", "stop_if", "precautions")


def _spanish_fields(spanish: dict) -> dict:
    """The Spanish text of one exercise or routine, as its `*_es` model fields."""
    fields = {}
    for name, value in spanish.items():
        if name in ("steps", "notes"):
            continue
        fields[f"{name}_es"] = "\n".join(value) if name in LIST_FIELDS else value
    return fields


def _seed(model, slug: str, data: dict, *, reset: bool):
    """The seeded object and whether it was written now (created, or rewritten by --reset)."""
    # No review comes with the seed: the pages say they await review until a clinician records one.
    defaults = {**data, "status": Status.PUBLISHED}
    if reset:
        obj, _ = model.objects.update_or_create(slug=slug, defaults=defaults)
        return obj, True
    return model.objects.get_or_create(slug=slug, defaults=defaults)


class Command(BaseCommand):
    help = (
        "Load the exercise library's seed content (creates missing items; --reset rewrites them)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Overwrite seeded exercises and routines with the seed text.",
        )

    @transaction.atomic
    def handle(self, *args, reset: bool = False, **options):
        created_ex: list[Exercise] = []
        for data in EXERCISES:
            data = dict(data)
            slug = data.pop("slug")
            steps = data.pop("steps")
            for field in LIST_FIELDS:
                data[field] = "\n".join(data[field])
            data.update(_spanish_fields(EXERCISES_ES[slug]))
            exercise, written = _seed(Exercise, slug, data, reset=reset)
            if written:
                exercise.steps.all().delete()
                steps_es = EXERCISES_ES[slug]["steps"]
                for order, (text, text_es) in enumerate(zip(steps, steps_es, strict=True), 1):
                    Step.objects.create(exercise=exercise, order=order, text=text, text_es=text_es)
                created_ex.append(exercise)

        by_slug = {e.slug: e for e in Exercise.objects.filter(slug__in=LINKS)}
        for exercise in created_ex:
            links = LINKS.get(exercise.slug, {})
            exercise.easier = by_slug.get(links.get("easier", ""))
            exercise.harder = by_slug.get(links.get("harder", ""))
            exercise.save(update_fields=["easier", "harder", "updated_at"])
            exercise.alternatives.set([by_slug[s] for s in links.get("alternatives", [])])

        created_ro = 0
        for data in ROUTINES:
            data = dict(data)
            slug = data.pop("slug")
            items = data.pop("items")
            data.update(_spanish_fields(ROUTINES_ES[slug]))
            notes_es = ROUTINES_ES[slug]["notes"]
            routine, written = _seed(Routine, slug, data, reset=reset)
            if written:
                routine.items.all().delete()
                exercises = Exercise.objects.in_bulk([s for s, _ in items], field_name="slug")
                for order, (ex_slug, dosage) in enumerate(items, start=1):
                    RoutineItem.objects.create(
                        routine=routine,
                        exercise=exercises[ex_slug],
                        order=order,
                        note_es=notes_es.get(ex_slug, "") if dosage.get("note") else "",
                        **dosage,
                    )
                created_ro += 1

        if options["verbosity"] == 0:
            return
        if reset:
            self.stdout.write(f"Rewrote {len(created_ex)} exercises and {created_ro} routines.")
        else:
            self.stdout.write(
                f"Created {len(created_ex)} exercises and {created_ro} routines; "
                "existing ones were left as staff edited them."
            )
