"""Leaderboards: the same answers from Redis and from the database; Redis kept in step after commit."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from gamification import leaderboard, selectors
from gamification.leaderboard import BoardRef, Metric, Period, Scope
from gamification.models import GuildScore, PlayerStats
from gamification.rules import Reason
from gamification.services.leaderboards import leaderboards_rebuild_current
from gamification.services.scores import watch_time_score
from gamification.services.xp import xp_award

from .conftest import requires_redis
from .factories import GuildFactory, UserFactory, join_guild

pytestmark = pytest.mark.django_db


def give_xp(user, amount: int, key: str = "x") -> None:
    xp_award(user=user, reason=Reason.EVENT_TASK, key=key, amount=amount)


def current(scope=Scope.INDIVIDUAL, metric=Metric.XP, period=Period.WEEK) -> BoardRef:
    return BoardRef.current(scope, metric, period)


def many_players(count: int, step: int = 10) -> list[User]:
    """`count` users with this week's XP step, 2 × step, ... (fast: bulk rows, no ledger).

    (Signing one in gives them the 50 XP daily login bonus: tests that sign in use a large step.)
    """
    users = User.objects.bulk_create([User(handle=f"p{i:04d}", email=f"p{i:04d}@example.com") for i in range(count)])
    week, month = leaderboard.week_start(), leaderboard.month_start()
    PlayerStats.objects.bulk_create([
        PlayerStats(user=u, xp=step * (i + 1), week_start=week, week_xp=step * (i + 1), month_start=month,
                    month_xp=step * (i + 1))
        for i, u in enumerate(users)
    ])
    return users


# -- periods and keys --------------------------------------------------------------------------------
def test_weeks_start_on_monday_utc_and_keys_are_named_by_period():
    sunday_night = datetime(2026, 11, 22, 23, 59, 59, tzinfo=UTC)
    monday = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    assert leaderboard.week_start(sunday_night) == date(2026, 11, 16)
    assert leaderboard.week_start(monday) == date(2026, 11, 23)
    # a Monday morning in Tokyo is still Sunday in UTC
    tokyo = monday.astimezone(timezone.get_fixed_timezone(9 * 60)) - timedelta(minutes=1)
    assert leaderboard.week_start(tokyo) == date(2026, 11, 16)
    assert BoardRef.current(Scope.INDIVIDUAL, Metric.XP, Period.WEEK, monday).key == "lb:v1:individual:xp:w2026-11-23"
    assert BoardRef.current(Scope.GUILD, Metric.WATCH, Period.MONTH, monday).key == "lb:v1:guild:watch:m2026-11"
    assert BoardRef.current(Scope.INDIVIDUAL, Metric.WATCH, Period.ALL, monday).key == "lb:v1:individual:watch:all"
    assert BoardRef.current(Scope.GUILD, Metric.WATCH, Period.MONTH, datetime(2026, 12, 31, 23, tzinfo=UTC)).end == date(2027, 1, 1)
    with pytest.raises(ValueError):
        BoardRef.current(Scope.GUILD, Metric.XP, Period.WEEK)


def test_members_sort_ties_by_id_ascending():
    assert leaderboard.member(7) > leaderboard.member(8)  # ZREVRANGE takes the larger member first
    assert leaderboard.entity(leaderboard.member(123456789)) == 123456789


# -- the same answers both ways ------------------------------------------------------------------------
def test_top_and_rank_break_ties_by_who_came_first(board_mode):
    a, b, c, d = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    give_xp(a, 100)
    give_xp(b, 200)
    give_xp(c, 100)
    board = current()
    assert [(e.rank, e.entity_id, e.score) for e in leaderboard.top(board, 10)] == [(1, b.pk, 200), (2, a.pk, 100), (3, c.pk, 100)]
    assert leaderboard.rank(board, c.pk) == leaderboard.Entry(3, c.pk, 100)
    assert leaderboard.rank(board, d.pk) is None
    assert leaderboard.size(board) == 3
    assert [e.entity_id for e in leaderboard.top(board, 2, offset=1)] == [a.pk, c.pk]


def test_the_viewer_sees_their_own_rank_far_below_the_top_100(board_mode):
    players = many_players(130)
    viewer = players[0]  # the least XP: rank 130
    page = selectors.leaderboard_page(viewer=viewer, scope="individual", metric="xp", period="week")
    assert page["total"] == 130
    assert len(page["entries"]) == 100
    assert [row["rank"] for row in page["entries"][:3]] == [1, 2, 3]
    assert page["entries"][0]["user"]["handle"] == "p0129" and page["entries"][0]["score"] == 1300
    assert page["me"]["rank"] == 130 and page["me"]["score"] == 10 and page["me"]["is_me"]
    assert page["me"]["user"]["handle"] == "p0000"


def test_watch_boards_count_seconds_and_show_hours(board_mode):
    a, b = UserFactory(), UserFactory()
    watch_time_score(user=a, seconds=5400)
    watch_time_score(user=b, seconds=1800)
    page = selectors.leaderboard_page(viewer=b, scope="individual", metric="watch", period="all")
    assert [(r["user"]["id"], r["score"], r["hours"]) for r in page["entries"]] == [(a.pk, 5400, 1.5), (b.pk, 1800, 0.5)]
    assert page["me"]["rank"] == 2


def test_guild_board_ranks_guilds_and_shows_the_viewers_guild(board_mode):
    alice, bob, carol, loner = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    red, blue = GuildFactory(name="Red"), GuildFactory(name="Blue")
    join_guild(red, alice)
    join_guild(blue, bob)
    join_guild(blue, carol)
    watch_time_score(user=alice, seconds=3000)
    watch_time_score(user=bob, seconds=2000)
    watch_time_score(user=carol, seconds=2000)
    page = selectors.leaderboard_page(viewer=alice, scope="guild", metric="watch", period="week")
    assert [(r["guild"]["name"], r["score"], r["guild"]["member_count"]) for r in page["entries"]] == [("Blue", 4000, 2), ("Red", 3000, 1)]
    assert page["me"]["rank"] == 2 and page["me"]["guild"]["name"] == "Red" and page["has_guild"] is True
    lonely = selectors.leaderboard_page(viewer=loner, scope="guild", metric="watch", period="week")
    assert lonely["me"] is None and lonely["has_guild"] is False


def test_monthly_board_forgets_last_month(board_mode):
    user = UserFactory()
    xp_award(user=user, reason=Reason.LOGIN, key="old", now=timezone.now() - timedelta(days=40))
    assert leaderboard.top(current(period=Period.MONTH), 10) == []
    assert leaderboard.top(current(period=Period.ALL), 10)[0].score == 50


def test_deactivated_players_are_not_listed(board_mode):
    gone, here = UserFactory(), UserFactory()
    give_xp(gone, 300)
    give_xp(here, 100)
    User.objects.filter(pk=gone.pk).update(deactivated_at=timezone.now(), is_active=False)
    page = selectors.leaderboard_page(viewer=here, scope="individual", metric="xp", period="week")
    assert [r["user"]["id"] for r in page["entries"]] == [here.pk]


def test_database_reads_have_fixed_query_counts(no_redis, django_assert_num_queries):
    players = many_players(30)
    # top counters, which of them are visible, my score, players ahead of me, the players shown, the count
    with django_assert_num_queries(6):
        selectors.leaderboard_page(viewer=players[3], scope="individual", metric="xp", period="week")
    guild = GuildFactory()
    join_guild(guild, players[3])
    watch_time_score(user=players[3], seconds=60)
    # the viewer's guild, top, its score, guilds ahead, the guilds shown, the count
    with django_assert_num_queries(6):
        selectors.leaderboard_page(viewer=players[3], scope="guild", metric="watch", period="week")


# -- Redis -------------------------------------------------------------------------------------------
@requires_redis
def test_a_warm_redis_board_costs_one_query_for_the_people_shown(django_assert_num_queries):
    players = many_players(30)
    selectors.leaderboard_page(viewer=players[0], scope="individual", metric="xp", period="week")  # builds the board
    with django_assert_num_queries(1):
        page = selectors.leaderboard_page(viewer=players[0], scope="individual", metric="xp", period="week")
    assert page["me"]["rank"] == 30 and len(page["entries"]) == 30


@requires_redis
def test_awards_reach_redis_after_commit_with_absolute_scores(commit):
    user = UserFactory()
    client = leaderboard.redis_client()
    week, month, all_time = (current(period=p) for p in Period)
    with commit():
        give_xp(user, 120, "one")
        assert not client.exists(week.key)  # nothing before commit
    with commit():
        give_xp(user, 80, "two")
    member = leaderboard.member(user.pk)
    assert [client.zscore(board.key, member) for board in (week, month, all_time)] == [200, 200, 200]
    assert client.ttl(week.key) > 30 * 86400 and client.ttl(month.key) > 300 * 86400
    assert client.ttl(all_time.key) == -1
    # a late or repeated write of an older total changes nothing (ZADD GT)
    leaderboard.scores_record([(week, user.pk, 120)])
    assert client.zscore(week.key, member) == 200


@requires_redis
def test_watch_time_reaches_the_player_and_guild_boards(commit):
    user = UserFactory()
    guild = GuildFactory()
    join_guild(guild, user)
    with commit():
        watch_time_score(user=user, seconds=90)
    client = leaderboard.redis_client()
    assert client.zscore(current(Scope.GUILD, Metric.WATCH).key, leaderboard.member(guild.pk)) == 90
    assert client.zscore(current(Scope.INDIVIDUAL, Metric.WATCH, Period.ALL).key, leaderboard.member(user.pk)) == 90


@requires_redis
def test_a_built_board_is_read_from_redis_and_kept_in_step_without_rebuilding(commit, monkeypatch):
    a, b = UserFactory(), UserFactory()
    with commit():
        give_xp(a, 100)
    board = current()
    assert leaderboard.top(board, 5)[0].entity_id == a.pk  # first read: rebuilt from the database
    assert leaderboard.redis_client().exists(f"{board.key}:built")

    def no_rebuild(*args, **kwargs):
        raise AssertionError("rebuilt again")

    monkeypatch.setattr(leaderboard, "board_rebuild", no_rebuild)
    with commit():
        give_xp(b, 250)
    assert [(e.entity_id, e.score) for e in leaderboard.top(board, 5)] == [(b.pk, 250), (a.pk, 100)]
    assert leaderboard.rank(board, a.pk).rank == 2


@requires_redis
def test_rebuild_replaces_whatever_redis_had_with_the_database():
    a = UserFactory()
    give_xp(a, 100)
    board = current()
    client = leaderboard.redis_client()
    client.zadd(board.key, {leaderboard.member(999999): 5000})
    client.set(f"{board.key}:built", "x")
    assert leaderboard.top(board, 5)[0].entity_id == 999999  # trusts the built board
    assert leaderboard.board_rebuild(board) == 1
    assert [(e.entity_id, e.score) for e in leaderboard.top(board, 5)] == [(a.pk, 100)]
    assert not list(client.scan_iter(f"{board.key}:tmp:*"))


@requires_redis
def test_rebuilding_every_current_board():
    user = UserFactory()
    guild = GuildFactory()
    join_guild(guild, user)
    give_xp(user, 100)
    watch_time_score(user=user, seconds=60)
    # xp and watch for the player on 3 periods each, the guild's watch on 3
    assert leaderboards_rebuild_current() == 9
    client = leaderboard.redis_client()
    assert all(client.exists(f"{board.key}:built") for board in leaderboard.current_boards())


@requires_redis
def test_while_someone_else_rebuilds_reads_use_the_database():
    a = UserFactory()
    give_xp(a, 100)
    board = current()
    client = leaderboard.redis_client()
    client.set(f"{board.key}:lock", "1", ex=30)
    assert leaderboard.top(board, 5)[0].entity_id == a.pk
    assert not client.exists(f"{board.key}:built")


def test_an_unreachable_redis_falls_back_to_the_database(settings, commit, caplog):
    settings.LEADERBOARD_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    a = UserFactory()
    with commit():
        give_xp(a, 100)  # the write after commit fails quietly (logged)
    assert "Redis write failed" in caplog.text
    page = selectors.leaderboard_page(viewer=a, scope="individual", metric="xp", period="week")
    assert page["me"]["rank"] == 1 and page["entries"][0]["score"] == 100


def test_no_redis_writes_without_redis(no_redis, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        give_xp(UserFactory(), 100)
    assert all("scores_record" not in repr(c) for c in callbacks)
    assert leaderboards_rebuild_current() == 0


# -- API and page --------------------------------------------------------------------------------------
@pytest.fixture
def signed_in():
    def sign_in(user):
        client = Client()
        client.force_login(user)
        return client

    return sign_in


def test_api_board(signed_in, board_mode):
    players = many_players(5, step=1000)
    response = signed_in(players[0]).get("/api/v1/leaderboards/individual/xp/week/?limit=2")
    assert response.status_code == 200
    body = response.json()
    assert [r["rank"] for r in body["entries"]] == [1, 2]
    assert body["me"]["rank"] == 5 and body["me"]["is_me"] is True
    assert body["starts"] == leaderboard.week_start().isoformat() and body["total"] == 5
    assert set(body["entries"][0]["user"]) == {"id", "handle", "display_name", "avatar_url", "level", "title", "frame", "is_premium"}


def test_api_unknown_board_and_bad_limit(signed_in):
    client = signed_in(UserFactory())
    response = client.get("/api/v1/leaderboards/guild/xp/week/")
    assert response.status_code == 404 and response.json()["code"] == "leaderboard_not_found"
    assert client.get("/api/v1/leaderboards/individual/xp/year/").status_code == 404
    assert client.get("/api/v1/leaderboards/individual/xp/week/?limit=lots").json()["code"] == "invalid"


def test_api_index_and_results_before_any_reset(signed_in):
    client = signed_in(UserFactory())
    body = client.get("/api/v1/leaderboards/").json()
    assert len(body["boards"]) == 9 and body["week_starts"] == leaderboard.week_start().isoformat()
    assert body["next_reset_at"].startswith((leaderboard.week_start() + timedelta(days=7)).isoformat())
    response = client.get("/api/v1/leaderboards/results/")
    assert response.status_code == 404 and response.json()["code"] == "week_not_found"


def test_api_needs_a_signed_in_caller():
    assert Client().get("/api/v1/leaderboards/individual/xp/week/").status_code in (401, 403)


def test_page_shows_tabs_rows_and_the_pinned_viewer_row(signed_in, no_redis):
    players = many_players(105, step=1000)
    html = signed_in(players[0]).get("/leaderboards/?scope=individual&metric=xp&period=week").content.decode()
    assert html.count('class="board-row') == 101  # 100 on the board + the viewer's pinned row
    assert 'id="board-me" hidden' not in html and "#105" in html
    assert 'data-api="/api/v1/leaderboards/individual/xp/week/"' in html
    assert 'aria-current="page">XP<' in html and 'aria-current="page">This week<' in html


def test_page_guild_tab_and_bad_parameters(signed_in, no_redis):
    client = signed_in(UserFactory())
    html = client.get("/leaderboards/?scope=guild&metric=xp&period=month").content.decode()
    assert "not in a guild yet" in html and 'data-api="/api/v1/leaderboards/guild/watch/month/"' in html
    assert client.get("/leaderboards/?period=decade").status_code == 302


def test_guild_scores_are_the_boards_truth_for_guilds(board_mode):
    guild = GuildFactory()
    GuildScore.objects.create(guild=guild, watch_seconds=7200)
    assert leaderboard.top(BoardRef(Scope.GUILD, Metric.WATCH, Period.ALL), 5)[0].score == 7200


def test_only_entries_with_a_score_are_ranked(board_mode, commit):
    # given a player and a guild who watched last week only, and a player who watched this week
    last_week = timezone.now() - timedelta(days=7)
    idle, busy = UserFactory(), UserFactory()
    guild = GuildFactory()
    join_guild(guild, idle)
    with commit():
        watch_time_score(user=idle, seconds=3600, now=last_week)
        watch_time_score(user=busy, seconds=600)
    week = selectors.leaderboard_page(viewer=idle, scope="individual", metric="watch", period="week")
    assert [row["user"]["handle"] for row in week["entries"]] == [busy.handle]
    assert (week["me"], week["total"]) == (None, 1)
    guilds = selectors.leaderboard_page(viewer=idle, scope="guild", metric="watch", period="week")
    assert (guilds["entries"], guilds["me"], guilds["total"]) == ([], None, 0)
    assert GuildScore.objects.get(guild=guild).watch_seconds == 3600  # it has a row, only no score this week
