from django.core.management.base import BaseCommand

from gamification.services.leaderboards import leaderboards_rebuild_current


class Command(BaseCommand):
    help = "Rebuild the current week's, month's and all-time leaderboards in Redis from the database."

    def handle(self, *args, **options):
        count = leaderboards_rebuild_current()
        self.stdout.write(f"Rebuilt the current boards: {count} entries." if count else "No Redis (REDIS_URL unset): nothing to rebuild.")
