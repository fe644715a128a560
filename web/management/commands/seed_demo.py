"""Demo data for a first run: users with verified emails, friendships, a request, a follow,
a public watch party playing a locally made test video, a voice room, a guild, and the
gamification demo (badges, events, a populated leaderboard).

Everything is made through the services real use goes through (sign-up aside), so every page
agrees: the demo users' history (badges, XP, hours watched) comes first and is marked read, as
someone who had been around would have; then the live social bits (a request, a follow) arrive unread.

Idempotent: running it again changes nothing.
"""

from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Friendship, User
from accounts.services.notifications import notifications_mark_all_read
from accounts.services.social import follow_create, friend_request_accept, friend_request_send
from accounts.services.users import user_profile_update
from guilds.models import Guild
from guilds.services.guilds import guild_create
from guilds.services.membership import guild_join
from rooms.demo_rooms import seed_demo_rooms

PASSWORD = "watchtogether"
DEMO_USERS = [
    # handle, name, bio, native languages, languages learned with their CEFR level
    ("alice", "Alice", "Movie nights every Friday 🍿", ["en"], {"es": "A2"}),
    ("bob", "Bob", "Anime and lo-fi", ["en"], {"ja": "A1"}),
    ("carol", "Carol", "Learning French, one film at a time", ["de"], {"fr": "B1"}),
    ("dave", "Dave", "Speedruns & documentaries", ["es"], {"en": "B2"}),
]


class Command(BaseCommand):
    help = "Load demo users and relationships (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--players", type=int, default=40, help="Extra leaderboard players (seed_gamification_demo).")

    def handle(self, *args, players=40, **options):
        with transaction.atomic():
            users = {handle: self._user(handle, *rest) for handle, *rest in DEMO_USERS}
            admin = self._user("admin", "Admin", "Back office", ["en"], {}, is_staff=True, is_superuser=True)
            seed_demo_rooms(leader=users["alice"], voice_leader=users["bob"])
            if not Guild.objects.filter(name="Popcorn Club").exists():  # before the watching, which counts for it
                guild = guild_create(actor=users["alice"], name="Popcorn Club", description="Friday films, Sunday anime.")
                guild_join(actor=users["bob"], guild=guild)
        call_command("seed_gamification_demo", players=players, stdout=self.stdout)
        with transaction.atomic():
            if not Friendship.objects.filter(user=users["alice"], friend=users["bob"]).exists():
                for user in users.values():
                    notifications_mark_all_read(user=user)
                request = friend_request_send(sender=users["alice"], recipient=users["bob"])
                friend_request_accept(user=users["bob"], request_id=request.pk)
                friend_request_send(sender=users["carol"], recipient=users["alice"])
                follow_create(follower=users["dave"], followee=users["alice"])
        self.stdout.write(f"Demo logins (password for all: {PASSWORD}):")
        for user in [*users.values(), admin]:
            self.stdout.write(f"  {user.email:28} @{user.handle}{'  (staff: /admin/)' if user.is_staff else ''}")

    def _user(self, handle, name, bio, native, learning: dict[str, str], **flags) -> User:
        email = f"{handle}@demo.watchtogether.local"
        user = User.objects.filter(handle=handle).first()
        if user is None:
            user = User.objects.create_user(
                handle, email, PASSWORD, display_name=name, bio=bio, native_languages=native,
                learning_languages=list(learning), **flags,
            )
            user_profile_update(user=user, learning_levels=learning)
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        return user
