from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the exercise library's seed content (idempotent)."

    def handle(self, *args, **options):
        self.stdout.write("No seed content yet.")
