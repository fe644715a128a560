"""Demo data for the gamification pages: badges, decorations, events, and a leaderboard of players.

Idempotent: a second run changes nothing. Run after `seed_demo` to give its users (alice,
bob, ...) badges, a title and a frame; `--players N` adds N more players with XP and
watch time over the last days (default 120) so the boards have a long tail.

Watching goes through the service a real watch session credits (gamification.services.activity.
watch_time_record): daily activity (the profile's hours), the leaderboards and guild scores, hourly
XP and event tasks all move together, so every page shows the same numbers. The guilds' hourly
figures are then refreshed by their own batch (guilds_refresh_watch_hours).
"""

import random
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from gamification.models import (
    Badge,
    DailyActivity,
    Decoration,
    DecorationKind,
    Event,
    EventKind,
    EventTask,
    FrameStyle,
    Rarity,
    UnlockSource,
)
from gamification.rules import Reason, TaskKind
from gamification.services.activity import watch_time_record
from gamification.services.collection import badge_award, badge_showcase_set, decoration_equip, decoration_unlock
from gamification.services.guild_watch_hours import guilds_refresh_watch_hours
from gamification.services.xp import xp_award
from rooms.models import Room, Visibility
from rooms.services.membership import room_close, room_create

SCREENING = "Demo screenings"
# Hours alice and bob watched, by days ago (oldest first).
DEMO_WATCHING = {"alice": [2.5, 0, 3, 1.5, 2], "bob": [1, 2, 0, 1.5, 0.5]}

BADGES = [
    ("early-bird", "Early Bird", Rarity.COMMON, "🐦", "Joined in the first month"),
    ("social-butterfly", "Social Butterfly", Rarity.COMMON, "🦋", "Made five friends"),
    ("popcorn-pro", "Popcorn Pro", Rarity.RARE, "🍿", "Watched the Popcorn Co. premiere"),
    ("night-owl", "Night Owl", Rarity.RARE, "🦉", "Watched past midnight"),
    ("marathoner", "Marathoner", Rarity.EPIC, "🏃", "Finished the Movie Marathon Weekend"),
    ("spooky-spirit", "Spooky Spirit", Rarity.EPIC, "🎃", "Survived Halloween Horror Nights"),
    ("legend-of-the-week", "Legend of the Week", Rarity.LEGENDARY, "👑", "Finished #1 on a weekly board"),
]
TITLES = [
    ("title-rookie", "Rookie", Rarity.COMMON, 2), ("title-binge-watcher", "Binge Watcher", Rarity.RARE, 4),
    ("title-cinephile", "Cinephile", Rarity.EPIC, 6), ("title-legend", "Legend", Rarity.LEGENDARY, 9),
    ("title-night-owl", "Night Owl", Rarity.RARE, None),
]
FRAMES = [
    ("frame-bronze", "Bronze", FrameStyle.BRONZE, Rarity.COMMON, 2), ("frame-silver", "Silver", FrameStyle.SILVER, Rarity.RARE, 4),
    ("frame-gold", "Gold", FrameStyle.GOLD, Rarity.EPIC, 6), ("frame-neon", "Neon", FrameStyle.NEON, Rarity.EPIC, 8),
    ("frame-aurora", "Aurora", FrameStyle.AURORA, Rarity.LEGENDARY, 10), ("frame-frost", "Frost", FrameStyle.FROST, Rarity.RARE, None),
    ("frame-ember", "Ember", FrameStyle.EMBER, Rarity.EPIC, None), ("frame-pumpkin", "Pumpkin", FrameStyle.PUMPKIN, Rarity.RARE, None),
]


class Command(BaseCommand):
    help = "Load demo badges, decorations, events and leaderboard players (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--players", type=int, default=120)

    def handle(self, *args, players=120, **options):
        now = timezone.now()
        with transaction.atomic():
            badges = {slug: Badge.objects.get_or_create(slug=slug, defaults={
                "name": name, "rarity": rarity, "icon": icon, "description": text})[0]
                for slug, name, rarity, icon, text in BADGES}
            decorations = {}
            for slug, name, rarity, level in TITLES:
                decorations[slug] = Decoration.objects.get_or_create(slug=slug, defaults={
                    "kind": DecorationKind.TITLE, "name": name, "rarity": rarity, "unlock_level": level})[0]
            for slug, name, style, rarity, level in FRAMES:
                decorations[slug] = Decoration.objects.get_or_create(slug=slug, defaults={
                    "kind": DecorationKind.FRAME, "name": name, "style": style, "rarity": rarity, "unlock_level": level})[0]
            self._events(now, badges, decorations)
            room = self._screening_room()
            self._players(players, now, room)
            self._demo_users(badges, decorations, now, room)
            guilds_refresh_watch_hours()
        self.stdout.write(self.style.SUCCESS("Gamification demo data ready: /leaderboards/, /events/, /badges/."))

    def _events(self, now, badges, decorations):
        marathon, created = Event.objects.get_or_create(slug="movie-marathon-weekend", defaults={
            "kind": EventKind.COMMUNITY, "title": "Movie Marathon Weekend", "is_published": True,
            "description": "Grab your friends and your snacks: watch together all weekend long.",
            "starts_at": now - timedelta(days=1), "ends_at": now + timedelta(days=2, hours=5),
            "reward_badge": badges["marathoner"], "reward_decoration": decorations["frame-ember"]})
        if created:
            EventTask.objects.bulk_create([
                EventTask(event=marathon, position=1, kind=TaskKind.WATCH_HOURS, title="Watch 3 hours together", target=3, xp_reward=300),
                EventTask(event=marathon, position=2, kind=TaskKind.JOIN_ROOMS, title="Join 3 watch parties", target=3, xp_reward=100),
                EventTask(event=marathon, position=3, kind=TaskKind.SEND_MESSAGES, title="Send 20 chat messages", target=20,
                          xp_reward=100, badge=badges["night-owl"]),
            ])
        premiere, created = Event.objects.get_or_create(slug="popcorn-premiere", defaults={
            "kind": EventKind.SPONSORED, "title": "The Popcorn Co. Premiere", "sponsor_name": "Popcorn Co.",
            "is_published": True, "description": "Watch the trailer of the season and bring a friend along.",
            "starts_at": now - timedelta(days=3), "ends_at": now + timedelta(days=9),
            "reward_badge": badges["popcorn-pro"]})
        if created:
            EventTask.objects.bulk_create([
                EventTask(event=premiere, position=1, kind=TaskKind.SPONSORED_VIDEO, title="Watch the premiere trailer",
                          target=1, ref="popcorn-trailer", xp_reward=200),
                EventTask(event=premiere, position=2, kind=TaskKind.MAKE_FRIENDS, title="Make a new friend", target=1, xp_reward=50),
            ])
        halloween, created = Event.objects.get_or_create(slug="halloween-horror-nights", defaults={
            "kind": EventKind.SEASONAL, "title": "Halloween Horror Nights", "is_published": True,
            "description": "Seven nights of horror classics. Survive them all for the pumpkin frame.",
            "starts_at": now + timedelta(days=4), "ends_at": now + timedelta(days=11),
            "reward_badge": badges["spooky-spirit"], "reward_decoration": decorations["frame-pumpkin"]})
        if created:
            EventTask.objects.bulk_create([
                EventTask(event=halloween, position=1, kind=TaskKind.WATCH_HOURS, title="Watch 7 hours of horror", target=7, xp_reward=500),
                EventTask(event=halloween, position=2, kind=TaskKind.LOGIN_DAYS, title="Come back on 5 nights", target=5, xp_reward=150),
            ])

    def _screening_room(self) -> Room:
        """Where the demo watching happened: a private room, closed since (made once, by the services)."""
        room = Room.objects.filter(name=SCREENING, visibility=Visibility.PRIVATE).first()
        if room is None:
            host, created = User.objects.get_or_create(handle="screenings", defaults={
                "email": "screenings@demo.invalid", "display_name": "Demo screenings"})
            if created:
                host.set_unusable_password()
                host.save(update_fields=["password"])
            room = room_create(creator=host, name=SCREENING, visibility=Visibility.PRIVATE)
            room_close(room=room, actor=host)
        return room

    def _watch(self, user, room, hours_by_day: list[float], now) -> None:
        """Credit watching on each of the last days, oldest first, in hour-sized steps as sessions would."""
        for days_ago, hours in zip(range(len(hours_by_day) - 1, -1, -1), hours_by_day, strict=True):
            moment = now - timedelta(days=days_ago)
            left = int(hours * 3600)
            while left > 0:
                step = min(left, 3600)
                watch_time_record(user=user, room=room, seconds=step, now=moment)
                left -= step

    def _players(self, count, now, room):
        rng = random.Random(11)
        for i in range(count):
            handle = f"viewer{i:03d}"
            user, created = User.objects.get_or_create(handle=handle, defaults={
                "email": f"{handle}@demo.invalid", "display_name": f"{rng.choice(['Movie', 'Night', 'Film', 'Pop', 'Reel', 'Couch'])} "
                f"{rng.choice(['Fan', 'Owl', 'Buff', 'Critic', 'Potato', 'Star'])} {i}"})
            if not created:
                continue
            user.set_unusable_password()
            user.save(update_fields=["password"])
            for n in range(1 + int(8 * rng.random() ** 2)):
                xp_award(user=user, reason=Reason.EVENT_TASK, key=f"demo:{n}", amount=rng.randint(50, 500))
            self._watch(user, room, [round(6 * rng.random() ** 2, 2) for _ in range(3)], now)

    def _demo_users(self, badges, decorations, now, room):
        for handle, badge_slugs, title, frame in (
            ("alice", ["legend-of-the-week", "marathoner", "night-owl", "popcorn-pro", "early-bird"], "title-night-owl", "frame-frost"),
            ("bob", ["night-owl", "early-bird"], None, None),
        ):
            user = User.objects.filter(handle=handle).first()
            if user is None:
                continue
            for slug in badge_slugs:
                badge_award(user=user, badge=badges[slug], source=UnlockSource.STAFF)
            badge_showcase_set(user=user, badge_ids=[badges[slug].pk for slug in badge_slugs])
            xp_award(user=user, reason=Reason.EVENT_TASK, key="demo:boost", amount=500)
            if not DailyActivity.objects.filter(user=user, watch_seconds__gt=0).exists():
                self._watch(user, room, DEMO_WATCHING[handle], now)
            for slug in (title, frame):
                if slug:
                    decoration_unlock(user=user, decoration=decorations[slug], source=UnlockSource.EVENT)
                    decoration_equip(user=user, kind=decorations[slug].kind, decoration_id=decorations[slug].pk)
