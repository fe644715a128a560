"""Run the weekly reset now, for the week that just ended (demos; the beat does it every Monday 00:00 UTC)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from config.errors import ApplicationError
from gamification.models import WeeklyReset
from gamification.services.weekly_reset import week_just_ended, weekly_reset_run


class Command(BaseCommand):
    help = "Run the weekly leaderboard reset for the week that just ended (or --week). A second run changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--week", type=date.fromisoformat, help="Monday (UTC) of the week to reset, YYYY-MM-DD")

    def handle(self, *args, week=None, **options):
        week = week or week_just_ended()
        existed = WeeklyReset.objects.filter(week_start=week).exists()
        try:
            reset = weekly_reset_run(week=week)
        except ApplicationError as err:
            raise CommandError(err.message) from err
        if existed:
            self.stdout.write(f"The week of {week} was already reset at {reset.ran_at:%Y-%m-%d %H:%M} UTC: nothing changed.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Reset the week of {week}."))
        summary = reset.summary
        self.stdout.write(
            f"  snapshot rows: {summary.get('snapshot_rows', 0)}, premium grants: {summary.get('grants', 0)}, "
            f"players rolled over: {summary.get('players_rolled', 0)}, guilds: {summary.get('guilds_rolled', 0)}"
        )
        for board, winners in summary.get("winners", {}).items():
            line = ", ".join(f"#{w['rank']} {w['label']} ({w['score']})" for w in winners) or "nobody"
            self.stdout.write(f"  {board}: {line}")
