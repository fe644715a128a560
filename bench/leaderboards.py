#!/usr/bin/env python
"""Leaderboards at scale: rank lookups, top-100 reads and the weekly reset, against their floors.

With N users (default 1,000,000) and G guilds (default 100,000) of synthetic data in a
bench PostgreSQL database (default wt_bench_lb, created and migrated here) and Redis db 11:

1. generates the data with generate_series in a few INSERT ... SELECT statements: users,
   guild memberships (60% of users, about 6 per guild), PlayerStats with skewed XP and
   watch time for this week, last week, this month and all time, and GuildScore rows
   summed from the members;
2. rebuilds the nine current boards in Redis from the database (gamification.leaderboard,
   the code the site runs) and times each rebuild;
3. times rank lookups (leaderboard.rank: one pipelined round trip) for random users, next
   to a bare redis-py ZREVRANK (the floor of any Redis design) and the database fallback
   (what the embedded default does: two queries over the table);
4. times top-100 reads: leaderboard.top, the whole page selector (plus the one query for
   the people shown), and the database fallback;
5. times the weekly reset (gamification.services.weekly_reset.weekly_reset_run: snapshot
   of three boards, premium for the winners, notifications, audit rows, roll-over of every
   row of the week) next to its floor, a bare SQL UPDATE zeroing the same rows' weekly
   counters, each on a freshly vacuumed table; the reset is undone between rounds.

It prints the figures side by side with their floors as ratios (goal: the reset within 2x
its floor, rank lookups under 1 ms) and writes bench/out/leaderboards-<time>.json.

Run (PostgreSQL and Redis on 127.0.0.1):
    .venv/bin/python bench/leaderboards.py                      # 1,000,000 users, 100,000 guilds
    .venv/bin/python bench/leaderboards.py --users 100000 --guilds 10000
    .venv/bin/python bench/leaderboards.py --reuse              # keep the data of the last run
    .venv/bin/python bench/leaderboards.py --smoke              # does it still run? (2,000 users, its own database)

Bounded: every SQL statement has a timeout, the migrate step too; it only touches its own
database and its own Redis db (which it flushes), on 127.0.0.1. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
HOST = "127.0.0.1"
PYTHON = sys.executable
STATEMENT_TIMEOUT_MS = 30 * 60 * 1000


# -- set-up -----------------------------------------------------------------------------------------
def bench_env(args) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://postgres@{HOST}:5432/{args.database}",
        REDIS_URL=f"redis://{HOST}:6379/{args.redis_db}",
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="false",  # no query log
        DJANGO_SECRET_KEY="bench-only-" + "x" * 50,
        DJANGO_SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="WARNING",
    )
    return env


def prepare_database(args, env) -> None:
    import psycopg

    with psycopg.connect(f"host={HOST} port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone():
            print(f"creating database {args.database}", flush=True)
            conn.execute(f'CREATE DATABASE "{args.database}"')
    print(f"migrating {args.database} (a no-op once done; the first time takes a minute or two)", flush=True)
    migrate = [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"]
    if subprocess.run(migrate, cwd=ROOT, env=env, timeout=1200).returncode != 0:
        # A database migrated by another branch's migrations (renamed or renumbered since): start over.
        print(f"recreating {args.database}: its migrations are not this checkout's", flush=True)
        with psycopg.connect(f"host={HOST} port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{args.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{args.database}"')
        subprocess.run(migrate, cwd=ROOT, env=env, check=True, timeout=1200)


def setup_django(env) -> None:
    for key in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG", "DJANGO_SECRET_KEY",
                "DJANGO_SECURE_SSL_REDIRECT", "LOG_LEVEL"):
        os.environ[key] = env[key]
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def not_null_fill(cursor, table: str, given: dict[str, str]) -> tuple[str, str]:
    """Column list and SELECT expressions for an INSERT ... SELECT: `given` plus a neutral value for
    every other NOT NULL column without a default (so the bench survives new columns)."""
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'", [table],
    )
    neutral = {"boolean": "false", "jsonb": "'[]'::jsonb", "json": "'[]'::json", "integer": "0", "bigint": "0",
               "smallint": "0", "timestamp with time zone": "now()", "date": "current_date", "double precision": "0"}
    columns = dict(given)
    for name, data_type in cursor.fetchall():
        if name not in columns:
            columns[name] = neutral.get(data_type, "''")
    return ", ".join(f'"{c}"' for c in columns), ", ".join(columns.values())


def generate(args, week) -> None:
    """The synthetic world, in a handful of INSERT ... SELECT statements."""
    from django.db import connection

    last_week, month = week - timedelta(days=7), week.replace(day=1)
    users, guilds = args.users, args.guilds
    with connection.cursor() as c:
        c.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
        c.execute("SELECT setseed(0.42)")
        print("  wiping the bench database's users and guilds", flush=True)
        c.execute("TRUNCATE accounts_user, guilds_guild RESTART IDENTITY CASCADE")
        c.execute("TRUNCATE gamification_weeklyreset, gamification_leaderboardsnapshot, moderation_auditevent RESTART IDENTITY CASCADE")
        started = time.perf_counter()
        cols, values = not_null_fill(c, "accounts_user", {
            "id": "g", "handle": "'u' || g", "email": "'u' || g || '@bench.invalid'", "password": "'!'",
            "display_name": "'User ' || g", "timezone": "'UTC'", "is_active": "true", "is_searchable": "true",
            "stats_visibility": "'everyone'", "friends_visibility": "'everyone'", "friend_requests_from": "'everyone'",
            "date_joined": "now()",
        })
        c.execute(f"INSERT INTO accounts_user ({cols}) SELECT {values} FROM generate_series(1, %s) g", [users])
        cols, values = not_null_fill(c, "guilds_guild", {
            "id": "g", "name": "'Guild ' || g", "slug": "'guild-' || g", "is_public": "true", "max_members": "10",
            "created_at": "now()",
        })
        c.execute(f"INSERT INTO guilds_guild ({cols}) SELECT {values} FROM generate_series(1, %s) g", [guilds])
        members = min(int(users * 0.6), guilds * 10)
        cols, values = not_null_fill(c, "guilds_guildmember", {
            "guild_id": f"((g - 1) %% {guilds}) + 1", "user_id": "g", "role": "'member'", "joined_at": "now()",
        })
        c.execute(f"INSERT INTO guilds_guildmember ({cols}) SELECT {values} FROM generate_series(1, %s) g", [members])
        # Skewed figures (a few heavy players, a long tail): value = max × random()^3.
        c.execute("""
            INSERT INTO gamification_playerstats
              (user_id, xp, level, streak_current, streak_best, watch_seconds,
               week_start, week_xp, week_watch_seconds, prev_week_start, prev_week_xp, prev_week_watch_seconds,
               month_start, month_xp, month_watch_seconds)
            SELECT g, x.total_xp, 1, 0, 0, x.total_watch,
                   %(week)s, x.week_xp, x.week_watch, %(last_week)s, x.prev_xp, x.prev_watch,
                   %(month)s, x.week_xp + x.prev_xp, x.week_watch + x.prev_watch
            FROM generate_series(1, %(users)s) g,
            LATERAL (SELECT floor(6000 * random() ^ 3)::int AS week_xp, floor(108000 * random() ^ 3)::int AS week_watch,
                            floor(6000 * random() ^ 3)::int AS prev_xp, floor(108000 * random() ^ 3)::int AS prev_watch,
                            g * 0 + floor(120000 * random() ^ 3)::int AS total_xp,
                            g * 0 + floor(3600000 * random() ^ 3)::bigint AS total_watch) x
        """, {"week": week, "last_week": last_week, "month": month, "users": users})
        c.execute("""
            UPDATE gamification_playerstats SET
              xp = greatest(xp, month_xp), watch_seconds = greatest(watch_seconds, month_watch_seconds),
              level = CASE WHEN greatest(xp, month_xp) >= 100000 THEN 10 WHEN greatest(xp, month_xp) >= 70000 THEN 9
                           WHEN greatest(xp, month_xp) >= 45000 THEN 8 WHEN greatest(xp, month_xp) >= 27500 THEN 7
                           WHEN greatest(xp, month_xp) >= 15000 THEN 6 WHEN greatest(xp, month_xp) >= 7500 THEN 5
                           WHEN greatest(xp, month_xp) >= 3500 THEN 4 WHEN greatest(xp, month_xp) >= 1500 THEN 3
                           WHEN greatest(xp, month_xp) >= 500 THEN 2 ELSE 1 END
        """)
        c.execute("""
            INSERT INTO gamification_guildscore
              (guild_id, watch_seconds, week_start, week_watch_seconds, prev_week_start, prev_week_watch_seconds,
               month_start, month_watch_seconds)
            SELECT m.guild_id, sum(s.watch_seconds), %(week)s, sum(s.week_watch_seconds), %(last_week)s,
                   sum(s.prev_week_watch_seconds), %(month)s, sum(s.month_watch_seconds)
            FROM guilds_guildmember m JOIN gamification_playerstats s ON s.user_id = m.user_id
            GROUP BY m.guild_id
        """, {"week": week, "last_week": last_week, "month": month})
        for table in ("accounts_user", "guilds_guild", "guilds_guildmember"):
            c.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    vacuum("gamification_playerstats", "gamification_guildscore", "accounts_user", "guilds_guildmember", "guilds_guild")
    print(f"  generated {users:,} users, {guilds:,} guilds, {members:,} memberships in {time.perf_counter() - started:.1f} s",
          flush=True)


def vacuum(*tables: str) -> None:
    from django.db import connection

    with connection.cursor() as c:
        for table in tables:
            c.execute(f"VACUUM ANALYZE {table}")


def count_rows(sql: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as c:
        c.execute(sql, params or [])
        return c.fetchone()[0]


# -- measuring --------------------------------------------------------------------------------------
def percentiles(samples_s: list[float]) -> dict:
    ordered = sorted(samples_s)

    def pick(q):
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1e3

    return {"n": len(ordered), "p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99),
            "mean_ms": statistics.fmean(ordered) * 1e3}


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def rebuild_boards() -> dict:
    from gamification import leaderboard

    leaderboard.redis_client().flushdb(asynchronous=True)  # the bench's own Redis db
    result = {}
    for board in leaderboard.current_boards():
        started = time.perf_counter()
        members = leaderboard.board_rebuild(board)
        seconds = time.perf_counter() - started
        result[board.key] = {"members": members, "seconds": seconds}
        print(f"  rebuilt {board.key:42} {members:>9,} members in {seconds:6.2f} s", flush=True)
    return result


def measure_reads(args) -> dict:
    from django.conf import settings

    from gamification import leaderboard, selectors
    from gamification.leaderboard import BoardRef, Metric, Period, Scope

    board = BoardRef.current(Scope.INDIVIDUAL, Metric.XP, Period.WEEK)
    client = leaderboard.redis_client()
    rng = random.Random(7)
    ids = [rng.randint(1, args.users) for _ in range(args.lookups)]
    for user_id in ids[:200]:  # warm connections and caches
        leaderboard.rank(board, user_id)

    it = iter(ids)
    ours = timed(lambda: leaderboard.rank(board, next(it)), len(ids))
    it = iter(ids)
    raw = timed(lambda: client.zrevrank(board.key, leaderboard.member(next(it))), len(ids))
    top_ours = timed(lambda: leaderboard.top(board, 100), args.tops)
    viewer = type("Viewer", (), {"is_authenticated": True, "pk": ids[0]})()
    page = timed(lambda: selectors.leaderboard_page(viewer=viewer, scope="individual", metric="xp", period="week"), args.tops)

    it = iter(ids)
    db_rank = timed(lambda: leaderboard.db_rank(board, next(it)), args.db_samples)
    db_top = timed(lambda: leaderboard.db_top(board, 100), args.db_samples)
    # and the whole page with no Redis (the embedded default's path)
    saved = settings.REDIS_URL
    settings.REDIS_URL = ""
    try:
        db_page = timed(lambda: selectors.leaderboard_page(viewer=viewer, scope="individual", metric="xp", period="week"),
                        args.db_samples)
    finally:
        settings.REDIS_URL = saved
    # consistency: Redis and the database agree
    for user_id in ids[:20]:
        assert leaderboard.rank(board, user_id) == leaderboard.db_rank(board, user_id), user_id
    assert leaderboard.top(board, 100) == leaderboard.db_top(board, 100)
    return {
        "rank_lookup": percentiles(ours), "rank_lookup_raw_zrevrank": percentiles(raw),
        "rank_lookup_database": percentiles(db_rank),
        "top100": percentiles(top_ours), "top100_page": percentiles(page), "top100_database": percentiles(db_top),
        "top100_page_database": percentiles(db_page),
    }


def floor_update(week) -> float:
    """The floor: a bare UPDATE zeroing the weekly counters of the same rows, rolled back."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as c:
        c.execute(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")
        started = time.perf_counter()
        c.execute("UPDATE gamification_playerstats SET week_xp = 0, week_watch_seconds = 0 WHERE week_start = %s", [week])
        c.execute("UPDATE gamification_guildscore SET week_watch_seconds = 0 WHERE week_start = %s", [week])
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds


def undo_reset(week) -> None:
    """Put the world back as before the reset (for the next round)."""
    from django.db import connection

    from accounts.models import Notification, User
    from audit.models import AuditEvent
    from gamification.models import LeaderboardSnapshot, PremiumGrant, WeeklyReset

    grants = list(PremiumGrant.objects.values_list("user_id", "premium_until_before"))
    for user_id, before in grants:
        User.objects.filter(pk=user_id).update(premium_until=before)
    Notification.objects.filter(kind="leaderboard_reward").delete()
    AuditEvent.objects.all().delete()
    PremiumGrant.objects.all().delete()
    LeaderboardSnapshot.objects.all().delete()
    WeeklyReset.objects.all().delete()
    with connection.cursor() as c:
        c.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
        c.execute("""UPDATE gamification_playerstats SET week_start = %s, week_xp = prev_week_xp,
                       week_watch_seconds = prev_week_watch_seconds, prev_week_start = %s - 7,
                       prev_week_xp = 0, prev_week_watch_seconds = 0 WHERE prev_week_start = %s""", [week, week, week])
        c.execute("""UPDATE gamification_guildscore SET week_start = %s, week_watch_seconds = prev_week_watch_seconds,
                       prev_week_start = %s - 7, prev_week_watch_seconds = 0 WHERE prev_week_start = %s""", [week, week, week])


def measure_reset(args, week) -> dict:
    from gamification.services.weekly_reset import weekly_reset_run

    rows = count_rows("SELECT count(*) FROM gamification_playerstats WHERE week_start = %s", [week])
    guild_rows = count_rows("SELECT count(*) FROM gamification_guildscore WHERE week_start = %s", [week])
    reset_at = datetime.combine(week + timedelta(days=7), datetime.min.time(), tzinfo=UTC) + timedelta(seconds=5)
    floors, resets, summary = [], [], {}
    for round_ in range(args.reset_rounds):
        vacuum("gamification_playerstats", "gamification_guildscore")
        floors.append(floor_update(week))
        vacuum("gamification_playerstats", "gamification_guildscore")
        started = time.perf_counter()
        reset = weekly_reset_run(week=week, now=reset_at)
        resets.append(time.perf_counter() - started)
        summary = {k: v for k, v in reset.summary.items() if k != "winners"}
        print(f"  round {round_ + 1}: floor {floors[-1]:.2f} s, reset {resets[-1]:.2f} s "
              f"(ratio {resets[-1] / floors[-1]:.2f}); {summary}", flush=True)
        undo_reset(week)
    return {"rows": rows, "guild_rows": guild_rows, "floor_s": floors, "reset_s": resets, "summary": summary,
            "ratio_best": min(resets) / min(floors), "ratio_median": statistics.median(resets) / statistics.median(floors)}


# -- main ---------------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--guilds", type=int, default=100_000)
    parser.add_argument("--database", default="wt_bench_lb")
    parser.add_argument("--redis-db", type=int, default=11)
    parser.add_argument("--lookups", type=int, default=5000, help="rank lookups timed")
    parser.add_argument("--tops", type=int, default=300, help="top-100 reads timed")
    parser.add_argument("--db-samples", type=int, default=10, help="database-fallback reads timed (each scans the table)")
    parser.add_argument("--reset-rounds", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="keep the data already in the bench database")
    parser.add_argument("--smoke", action="store_true", help="a check that the bench still runs: 2,000 users, 200 guilds, "
                        "few timings, database wt_bench_lb_smoke, Redis db 12")
    args = parser.parse_args()
    if args.smoke:
        args.users, args.guilds, args.lookups, args.tops, args.db_samples, args.reset_rounds = 2000, 200, 200, 20, 2, 1
        if args.database == "wt_bench_lb":
            args.database, args.redis_db = "wt_bench_lb_smoke", 12

    env = bench_env(args)
    print(f"leaderboards bench: {args.users:,} users, {args.guilds:,} guilds; database {args.database}, "
          f"Redis db {args.redis_db}", flush=True)
    prepare_database(args, env)
    setup_django(env)

    from gamification import leaderboard

    week = leaderboard.week_start()
    results: dict = {"users": args.users, "guilds": args.guilds, "week": week.isoformat(), "at": datetime.now(UTC).isoformat()}
    existing = count_rows("SELECT count(*) FROM gamification_playerstats WHERE week_start = %s", [week])
    if args.reuse and existing == args.users:
        print(f"reusing the {existing:,} players already there", flush=True)
    else:
        print("generating data", flush=True)
        generate(args, week)
    print("rebuilding the boards in Redis", flush=True)
    results["rebuild"] = rebuild_boards()
    print("timing reads", flush=True)
    results["reads"] = measure_reads(args)
    print("timing the weekly reset against its floor", flush=True)
    results["reset"] = measure_reset(args, week)
    report(results)
    OUT.mkdir(exist_ok=True)
    path = OUT / f"leaderboards-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nwrote {path.relative_to(ROOT)}")
    return 0


def report(results: dict) -> None:
    reads, reset = results["reads"], results["reset"]
    rebuild = results["rebuild"]
    biggest = max(rebuild.values(), key=lambda r: r["members"])
    print(f"\n== Leaderboards: {results['users']:,} users, {results['guilds']:,} guilds ==")
    print(f"{'':34} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9}   {'floor / peer':30} {'ratio p50':>9}")

    def line(label, ours, peer, peer_label):
        ratio = ours["p50_ms"] / peer["p50_ms"] if peer["p50_ms"] else float("nan")
        peer_text = "{} {:.3f} ms".format(peer_label, peer["p50_ms"])
        print(f"{label:34} {ours['p50_ms']:9.3f} {ours['p95_ms']:9.3f} {ours['p99_ms']:9.3f}   {peer_text:30} {ratio:9.4g}")

    line("rank lookup (Redis, ours)", reads["rank_lookup"], reads["rank_lookup_raw_zrevrank"], "bare ZREVRANK")
    line("rank lookup (database fallback)", reads["rank_lookup_database"], reads["rank_lookup"], "Redis (ours)")
    line("top-100 (Redis, ours)", reads["top100"], reads["top100_database"], "database")
    line("top-100 page incl. people query", reads["top100_page"], reads["top100_page_database"], "database page")
    floor_text = "bare UPDATE {:.2f} s".format(min(reset["floor_s"]))
    print(f"{'weekly reset (s, best round)':34} {min(reset['reset_s']):9.2f} {'':9} {'':9}   {floor_text:30} {reset['ratio_best']:9.2f}")
    print(f"  ({reset['rows']:,} player rows and {reset['guild_rows']:,} guild rows of the week; "
          f"rounds: reset {', '.join(f'{s:.2f}' for s in reset['reset_s'])} s, "
          f"floor {', '.join(f'{s:.2f}' for s in reset['floor_s'])} s)")
    print(f"  rebuild of the largest board from PostgreSQL: {biggest['members']:,} members in {biggest['seconds']:.1f} s")
    goal_rank = reads["rank_lookup"]["p50_ms"] < 1.0
    goal_reset = reset["ratio_best"] <= 2.0
    print(f"goals: rank lookup < 1 ms: {'met' if goal_rank else 'MISSED'} (p50 {reads['rank_lookup']['p50_ms']:.3f} ms, "
          f"p99 {reads['rank_lookup']['p99_ms']:.3f} ms); reset within 2x its floor: "
          f"{'met' if goal_reset else 'MISSED'} ({reset['ratio_best']:.2f}x)")


if __name__ == "__main__":
    sys.exit(main())
