"""Celery: Redis broker when REDIS_URL is set, kombu's filesystem transport otherwise."""

from celery.schedules import crontab

from config.env import VAR_DIR, ensure_dir, env

from .base import REDIS_URL

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),  # broadcasts (pidbox); kombu's default is ./control
        "store_processed": False,
    }
    ensure_dir(_queue_dir / "processed")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# The whole beat schedule, in one place.
CELERY_BEAT_SCHEDULE = {
    "presence-sweep": {"task": "accounts.tasks.presence_sweep", "schedule": 60.0},
    "accounts-send-email-digests": {"task": "accounts.tasks.send_email_digests", "schedule": 3600.0},
    "rooms-sweep": {"task": "rooms.tasks.sweep_rooms", "schedule": 15.0},
    "rooms-close-stale-watch-sessions": {"task": "rooms.tasks.close_stale_watch_sessions", "schedule": 60.0},
    "rooms-expire-match-requests": {"task": "rooms.tasks.expire_match_requests", "schedule": 30.0},
    "dms-expire-ringing-calls": {"task": "dms.tasks.expire_ringing_calls", "schedule": 10.0},
    "rooms-open-scheduled-rooms": {"task": "rooms.tasks.open_scheduled_rooms", "schedule": 15.0},
    "streams-end-without-publisher": {"task": "streams.tasks.end_streams_without_publisher", "schedule": 15.0},
    "streams-refresh-live-thumbnails": {"task": "streams.tasks.refresh_live_thumbnails", "schedule": 180.0},
    "streams-stage-invites-expire": {"task": "streams.tasks.stage_invites_expire", "schedule": 10.0},
    "streams-polls-close-due": {"task": "streams.tasks.polls_close_due", "schedule": 5.0},
    "guilds-refresh-watch-hours": {"task": "gamification.tasks.refresh_guild_watch_hours", "schedule": crontab(minute=7)},
    "accounts-purge-deactivated": {
        "task": "accounts.tasks.purge_deactivated_accounts",
        "schedule": crontab(minute=17, hour=3),
    },
    # Monday 00:00 UTC. The hourly run catches up a missed one (a no-op once the week is done: one query).
    "gamification-weekly-reset": {
        "task": "gamification.tasks.weekly_reset",
        "schedule": crontab(minute=0, hour=0, day_of_week="mon"),
    },
    "gamification-weekly-reset-catch-up": {
        "task": "gamification.tasks.weekly_reset",
        "schedule": crontab(minute=30),
    },
    "gamification-leaderboards-rebuild": {
        "task": "gamification.tasks.leaderboards_rebuild",
        "schedule": crontab(minute=40, hour=4),
    },
}
