"""factory_boy factories for the test suite."""

import datetime

import factory

from exercises.models import Exercise, Routine, RoutineItem, Status, Step


class ExerciseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exercise
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Practice move {n}")
    slug = factory.Sequence(lambda n: f"practice-move-{n}")
    summary = "A simple move for your back."
    why_it_helps = "It keeps your back moving."
    category = "core"
    difficulty = "gentle"
    position = "back"
    equipment = "mat"
    one_repetition = "One time is one move."
    reps = 10
    sets = 1
    hold_seconds = 5
    times_per_day = 2
    feel = "A gentle effort in your belly."
    mistakes = "Holding your breath."
    stop_if = "Pain spreads down your leg."
    precautions = "Ask your doctor after surgery."
    illustration = "img/exercises/core-bracing.svg"
    illustration_alt = "A person lies on their back on a mat with knees bent."
    status = Status.PUBLISHED
    reviewer_name = "Dana Reyes"
    reviewer_credentials = "PT, DPT"
    last_reviewed = datetime.date(2026, 11, 2)
    next_review = datetime.date(2027, 11, 2)

    @factory.post_generation
    def steps(self, create, extracted, **kwargs):
        if not create:
            return
        for order, text in enumerate(extracted or ["Lie on your back.", "Bend your knees."], 1):
            Step.objects.create(exercise=self, order=order, text=text)


class RoutineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Routine

    title = factory.Sequence(lambda n: f"Routine {n}")
    slug = factory.Sequence(lambda n: f"routine-{n}")
    summary = "A short routine."
    who_for = "Anyone starting out."
    minutes = 10
    status = Status.PUBLISHED
    reviewer_name = "Dana Reyes"
    reviewer_credentials = "PT, DPT"
    last_reviewed = datetime.date(2026, 11, 2)
    next_review = datetime.date(2027, 11, 2)


class RoutineItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutineItem

    routine = factory.SubFactory(RoutineFactory)
    exercise = factory.SubFactory(ExerciseFactory)
    order = factory.Sequence(int)
