#!/usr/bin/env python
""""Next ad" at scale: the delivery's pick next to the bare indexed query it is built on.

With A running ads (default 10,000) and V view rows (default 10,000,000: the impressions table,
monetization_adview, one row per user and ad) over U users (default 100,000) in a bench PostgreSQL
database (default wt_bench_ads, created and migrated here):

1. generates the data with generate_series (INSERT ... SELECT; the view table's indexes and
   constraints are dropped for the fill and built again after it, as a bulk load does);
2. times, for random users, interleaved sample by sample (each round runs the three in a random order, so
   they share whatever load the machine has at that moment, and their p99s can be compared):
   - ours, pick: monetization.ads_selectors.ad_candidates (draw 8 candidates from the process's
     weighted pool by remaining budget, then one query keeping those running and unseen);
   - ours, served: monetization.services.ad_views.ad_next (the placement gap check, the pick, the
     view row written with its token, the served counter), what POST /api/v1/ads/next/ runs;
   - the floor: the bare indexed query the pick is built on (8 ad ids by primary key, each probed
     in the (user, ad) unique index of the views), as raw SQL;
   - served's floor: one row updated and committed (what any served ad's write and commit cost at least);
   - for scale, the seed's naive query (every running ad, NOT EXISTS against the user's views,
     ORDER BY remaining budget): what "next ad" costs when it scans.

It prints the load average, the EXPLAIN ANALYZE of the queries (and whether any scans the views), p50 / p99
side by side with the floor as ratios (goal: p99 under 5 ms, no scan of the views) and writes
bench/out/next_ad-<time>.json.

Run (PostgreSQL on 127.0.0.1):
    .venv/bin/python bench/next_ad.py                  # 10,000 ads, 10,000,000 views (~10 min to fill here)
    .venv/bin/python bench/next_ad.py --reuse          # keep the last run's data
    .venv/bin/python bench/next_ad.py --smoke          # does it still run? (tiny sizes, its own database)

Bounded: statement timeouts; it only touches its own database. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from leaderboards import prepare_database  # the bench database: create, migrate, or start over

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
HOST = "127.0.0.1"
STATEMENT_TIMEOUT_MS = 30 * 60 * 1000

BARE_SQL = """
SELECT a.* FROM monetization_ad a
WHERE a.id = ANY(%s) AND a.status = 'active' AND a.impressions < a.impressions_bought
  AND NOT EXISTS (SELECT 1 FROM monetization_adview v WHERE v.user_id = %s AND v.ad_id = a.id)
"""
# the least a served ad writes: one row updated and committed (the WAL flush every commit waits for)
WRITE_SQL = "UPDATE monetization_ad SET views = views + 1 WHERE id = %s"
NAIVE_SQL = """
SELECT a.id FROM monetization_ad a
WHERE a.status = 'active' AND a.impressions < a.impressions_bought
  AND NOT EXISTS (SELECT 1 FROM monetization_adview v WHERE v.user_id = %s AND v.ad_id = a.id)
ORDER BY -ln(random()) / (a.impressions_bought - a.impressions) LIMIT 1
"""


def bench_env(args) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://postgres@{HOST}:5432/{args.database}",
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="false",  # no query log
        DJANGO_SECRET_KEY="bench-only-" + "x" * 50,
        DJANGO_SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="WARNING",
    )
    env.pop("REDIS_URL", None)  # "next ad" uses no Redis
    return env


def setup_django(env) -> None:
    for key in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG", "DJANGO_SECRET_KEY",
                "DJANGO_SECURE_SSL_REDIRECT", "LOG_LEVEL"):
        os.environ[key] = env[key]
    os.environ.pop("REDIS_URL", None)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def not_null_fill(cursor, table: str, given: dict[str, str]) -> tuple[str, str]:
    """Column list and SELECT expressions: `given` plus a neutral value for every other NOT NULL column."""
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'", [table],
    )
    neutral = {"boolean": "false", "jsonb": "'{}'::jsonb", "integer": "0", "bigint": "0", "smallint": "0",
               "timestamp with time zone": "now()", "date": "current_date", "double precision": "0"}
    columns = dict(given)
    for name, data_type in cursor.fetchall():
        columns.setdefault(name, neutral.get(data_type, "''"))
    return ", ".join(f'"{c}"' for c in columns), ", ".join(columns.values())


def generate(args) -> None:
    from django.db import connection

    ads, users = args.ads, args.users
    per_user = max(1, args.views // users)
    if per_user > ads:
        raise SystemExit("--views / --users must not exceed --ads (one view per user and ad)")
    with connection.cursor() as c:
        c.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
        c.execute("SELECT setseed(0.42)")
        print("  wiping the bench database's users and ads", flush=True)
        c.execute("TRUNCATE accounts_user, monetization_advertiser RESTART IDENTITY CASCADE")
        started = time.perf_counter()
        cols, values = not_null_fill(c, "accounts_user", {
            "id": "g", "handle": "'u' || g", "email": "'u' || g || '@bench.invalid'", "password": "'!'",
            "display_name": "'User ' || g", "timezone": "'UTC'", "is_active": "true", "date_joined": "now()",
        })
        c.execute(f"INSERT INTO accounts_user ({cols}) SELECT {values} FROM generate_series(1, %s) g", [users + 1])
        c.execute("INSERT INTO monetization_advertiser (id, user_id, company_name, website, created_at) "
                  "VALUES (1, %s, 'Bench Inc', '', now())", [users + 1])
        # Budgets from Starter to Scale, part delivered: the weights "next ad" draws by.
        cols, values = not_null_fill(c, "monetization_ad", {
            "id": "g", "advertiser_id": "1", "title": "'Ad ' || g", "video": "'ads/videos/' || g || '.webm'",
            "poster": "'ads/posters/' || g || '.jpg'", "duration_ms": "15000", "width": "640", "height": "360",
            "size_bytes": "1000000", "offers_xp": "true", "status": "'active'", "impressions_bought": "x.bought",
            "impressions": "floor(x.bought * random() * 0.9)::int", "currency": "'usd'", "created_at": "now()",
        })
        c.execute(f"INSERT INTO monetization_ad ({cols}) SELECT {values} FROM generate_series(1, %s) g, "
                  "LATERAL (SELECT (ARRAY[500, 2500, 8000])[1 + floor(random() * 3)::int] + g * 0 AS bought) x", [ads])
        fill_views(c, ads=ads, users=users, per_user=per_user)
        for table in ("accounts_user", "monetization_ad", "monetization_advertiser"):
            c.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        for table in ("accounts_user", "monetization_ad", "monetization_adview"):
            c.execute(f"VACUUM ANALYZE {table}")
    print(f"  generated {ads:,} ads and {users * per_user:,} views of {users:,} users in "
          f"{time.perf_counter() - started:.1f} s", flush=True)


def fill_views(c, *, ads: int, users: int, per_user: int) -> None:
    """The view rows: indexes and constraints (but the primary key) dropped, one INSERT ... SELECT, built again.
    User u's k-th view is of ad (u * 37 + k * 97) mod ads + 1: distinct per user (97 is prime to the sizes used)."""
    c.execute("""SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                 WHERE conrelid = 'monetization_adview'::regclass AND contype <> 'p'""")
    constraints = c.fetchall()
    c.execute("""SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'monetization_adview'
                 AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'monetization_adview'::regclass)""")
    indexes = c.fetchall()
    for name, _ in constraints:
        c.execute(f'ALTER TABLE monetization_adview DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        c.execute(f'DROP INDEX "{name}"')
    print(f"  filling {users * per_user:,} view rows", flush=True)
    c.execute("""
        INSERT INTO monetization_adview (ad_id, user_id, token, placement, issued_at, watched_pct, completed_at)
        SELECT ((u * 37 + k * 97) %% %(ads)s) + 1, u, md5(u || ':' || k), 'pre_room',
               now() - interval '1 day' * random() * 30, 100, now() - interval '1 day' * random() * 30
        FROM generate_series(1, %(users)s) u, generate_series(0, %(per_user)s - 1) k
    """, {"ads": ads, "users": users, "per_user": per_user})
    print("  building the view table's indexes and constraints again", flush=True)
    for _, definition in indexes:
        c.execute(definition)
    for name, definition in constraints:
        c.execute(f'ALTER TABLE monetization_adview ADD CONSTRAINT "{name}" {definition}')


def percentiles(samples_s: list[float]) -> dict:
    ordered = sorted(samples_s)

    def pick(q):
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1e3

    return {"n": len(ordered), "p50_ms": pick(0.50), "p99_ms": pick(0.99), "mean_ms": statistics.fmean(ordered) * 1e3}


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def interleaved(fns: dict, rounds: int, rng: random.Random) -> dict[str, list[float]]:
    """Every round times each function once, in a fresh random order: sample i of each one ran within the same
    few milliseconds, so a burst of other people's work on the shared machine lands on all of them alike, and
    the p99s compare like with like (timed one after the other, each saw a different stretch of load)."""
    samples = {name: [] for name in fns}
    names = list(fns)
    for _ in range(rounds):
        rng.shuffle(names)
        for name in names:
            started = time.perf_counter()
            fns[name]()
            samples[name].append(time.perf_counter() - started)
    return samples


def explain(args, users) -> dict[str, list[str]]:
    """The plans (EXPLAIN ANALYZE, BUFFERS) of the queries "next ad" runs: the unseen-and-running probe, and the
    placement gap check of the served path."""
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from monetization.ads_selectors import CANDIDATES, UNSEEN_RUNNING_SQL
    from monetization.models import AdView

    rng = random.Random(11)
    user = users[0]
    plans = {}
    with connection.cursor() as c:
        ids = [rng.randint(1, args.ads) for _ in range(CANDIDATES)]
        c.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + UNSEEN_RUNNING_SQL.format(ids=", ".join(["%s"] * len(ids))),
                  [*ids, user.pk])
        plans["pick: unseen running ads"] = [row[0] for row in c.fetchall()]
    since = timezone.now() - timedelta(minutes=settings.ADS_PLACEMENT_GAP_MINUTES)
    gap = AdView.objects.filter(user=user, placement="pre_room", issued_at__gte=since)
    plans["served: placement gap check (ads_selectors.placement_recently_served)"] = gap.explain(analyze=True, buffers=True, costs=False).splitlines()
    return plans


def scans_of_views(plans: dict[str, list[str]]) -> list[str]:
    """Plan lines that read the views table other than through an index probe."""
    return [line.strip() for lines in plans.values() for line in lines
            if "monetization_adview" in line and ("Seq Scan" in line or "Bitmap Heap Scan" in line)]


def measure(args) -> dict:
    from django.conf import settings
    from django.db import connection, transaction

    from accounts.models import User
    from monetization.ads_selectors import CANDIDATES, ad_candidates, ad_pool
    from monetization.services.ad_views import ad_next

    rng = random.Random(7)
    with connection.cursor() as c:
        # the users a previous --reuse run served are inside the placement gap: make them fresh again
        c.execute("DELETE FROM monetization_adview WHERE issued_at > now() - make_interval(mins => %s)",
                  [settings.ADS_PLACEMENT_GAP_MINUTES + 1])
    users = list(User.objects.filter(pk__lte=args.users).only("pk", "premium_until")[: args.sample_users])
    ad_pool()  # loaded once, as a warm process has it
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM monetization_ad WHERE status = 'active'")
        running = c.fetchone()[0]
        c.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'monetization_adview'")
        views = c.fetchone()[0]

    def bare():
        with connection.cursor() as c:
            c.execute(BARE_SQL, [[rng.randint(1, args.ads) for _ in range(CANDIDATES)], rng.choice(users).pk])
            c.fetchall()

    def naive():
        with connection.cursor() as c:
            c.execute(NAIVE_SQL, [rng.choice(users).pk])
            c.fetchall()

    def commit():
        with transaction.atomic(), connection.cursor() as c:
            c.execute(WRITE_SQL, [rng.randint(1, args.ads)])

    def pick():
        ad_candidates(user=rng.choice(users), rng=rng)

    served = iter(users)

    def serve():
        ad_next(user=next(served), placement="pre_room")

    for fn in (bare, pick):  # warm the caches and the connection
        timed(fn, 50)
    plans = explain(args, users)
    load_before = os.getloadavg()
    rounds = min(args.repeat, len(users))  # served: one fresh user per round
    samples = interleaved({FLOOR: bare, PICK: pick, WRITE_FLOOR: commit, SERVED: serve}, rounds, rng)
    load_after = os.getloadavg()
    results = {name: percentiles(samples[name]) for name in (FLOOR, PICK, WRITE_FLOOR, SERVED)}
    results[NAIVE] = percentiles(timed(naive, args.naive_repeat))
    return {"running_ads": running, "view_rows": views, "results": results, "plans": plans,
            "scans_of_views": scans_of_views(plans), "load_average": {"before": load_before, "after": load_after},
            "cpus": os.cpu_count()}


FLOOR = "bare indexed query (floor)"
WRITE_FLOOR = "one-row write + commit (served's floor)"
PICK = "ours: pick (ad_candidates)"
SERVED = "ours: served (ad_next, view row written)"
NAIVE = "naive: scan every running ad"
GOAL_P99_MS = 5.0


def report(figures: dict) -> None:
    load = figures["load_average"]
    print(f"\nload average (1, 5, 15 min) on {figures['cpus']} CPUs: before {fmt_load(load['before'])}, "
          f"after {fmt_load(load['after'])}")
    for name, lines in figures["plans"].items():
        print(f"\nEXPLAIN ANALYZE, {name}:")
        for line in lines:
            print(f"  {line}")
    scans = figures["scans_of_views"]
    print(f"\nscan of the impressions (monetization_adview): {'none, index probes only' if not scans else scans}")
    floor = figures["results"][FLOOR]
    print(f"\n\"next ad\" with {figures['running_ads']:,} running ads and ~{figures['view_rows']:,} view rows "
          f"(floor, pick and served interleaved sample by sample; naive apart)")
    print(f"{'':44} {'n':>6} {'p50 ms':>9} {'p99 ms':>9} {'p50 / floor':>12} {'p99 / floor':>12}")
    for name, row in figures["results"].items():
        print(f"{name:44} {row['n']:>6} {row['p50_ms']:>9.3f} {row['p99_ms']:>9.3f} "
              f"{row['p50_ms'] / floor['p50_ms']:>11.2f}x {row['p99_ms'] / floor['p99_ms']:>11.2f}x")
    for name in (PICK, SERVED):
        ours = figures["results"][name]
        verdict = "met" if ours["p99_ms"] < GOAL_P99_MS else "MISSED"
        print(f"goal p99 < {GOAL_P99_MS:g} ms: {name.split(' (')[0]} p99 {ours['p99_ms']:.2f} ms -> {verdict}")
    if floor["p99_ms"] >= GOAL_P99_MS:
        print(f"  (the machine, not the code: the bare query's own p99 is {floor['p99_ms']:.2f} ms under this load; "
              "judge by p99 / floor)")
    write_floor, served = figures["results"][WRITE_FLOOR], figures["results"][SERVED]
    print(f"served / its write floor: p50 {served['p50_ms'] / write_floor['p50_ms']:.2f}x, "
          f"p99 {served['p99_ms'] / write_floor['p99_ms']:.2f}x")


def fmt_load(values) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ads", type=int, default=10_000)
    parser.add_argument("--views", type=int, default=10_000_000)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10_000, help="interleaved rounds (one fresh user each)")
    parser.add_argument("--naive-repeat", type=int, default=200)
    parser.add_argument("--sample-users", type=int, default=10_000)
    parser.add_argument("--database", default="wt_bench_ads")
    parser.add_argument("--reuse", action="store_true", help="keep the data of the last run")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, its own database")
    args = parser.parse_args()
    if args.smoke:
        args.ads, args.views, args.users, args.repeat, args.naive_repeat, args.sample_users = 200, 20_000, 500, 200, 50, 300
        args.database, args.reuse = "wt_bench_ads_smoke", False
    env = bench_env(args)
    prepare_database(args, env)
    setup_django(env)
    if not args.reuse:
        generate(args)
    figures = measure(args)
    report(figures)
    OUT.mkdir(exist_ok=True)
    path = OUT / f"next_ad-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps({**figures, "args": vars(args)}, indent=2))
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
