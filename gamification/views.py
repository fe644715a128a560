"""Website pages: leaderboards, events, and your badges and decorations."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse

from config.errors import ApplicationError, NotFoundError
from config.hooks import Hook

from . import leaderboard, selectors
from .leaderboard import BOARD_KINDS, Metric, Period, Scope
from .models import DecorationKind
from .rules import (
    EVENT_TASK_XP_RANGE,
    PREMIUM_DAYS_GUILD,
    PREMIUM_DAYS_INDIVIDUAL,
    REWARDED_RANKS,
    SHOWCASE_SIZE,
    TaskKind,
)
from .services import collection

PERIOD_LABELS = {Period.WEEK: "This week", Period.MONTH: "This month", Period.ALL: "All time"}
METRIC_LABELS = {Metric.WATCH: "Watch hours", Metric.XP: "XP"}
SCOPE_LABELS = {Scope.INDIVIDUAL: "Players", Scope.GUILD: "Guilds"}


def _tab_url(scope, metric, period) -> str:
    return f"{reverse('leaderboards')}?scope={scope}&metric={metric}&period={period}"


@login_required
def leaderboards(request):
    scope = request.GET.get("scope", Scope.INDIVIDUAL)
    metric = request.GET.get("metric", Metric.WATCH)
    period = request.GET.get("period", Period.WEEK)
    if scope == Scope.GUILD:
        metric = Metric.WATCH  # guilds are ranked by watch hours only
    try:
        page = selectors.leaderboard_page(viewer=request.user, scope=scope, metric=metric, period=period)
    except NotFoundError:
        return redirect("leaderboards")
    scope, metric, period = page["scope"], page["metric"], page["period"]
    metrics = [m for s, m in BOARD_KINDS if s == scope]
    context = {
        "page": page,
        "scope_tabs": [(SCOPE_LABELS[s], _tab_url(s, metric if (s, metric) in BOARD_KINDS else Metric.WATCH, period), s == scope)
                       for s in Scope],
        "metric_tabs": [(METRIC_LABELS[m], _tab_url(scope, m, period), m == metric) for m in metrics],
        "period_tabs": [(PERIOD_LABELS[p], _tab_url(scope, metric, p), p == period) for p in Period],
        "api_url": reverse("api-leaderboard", kwargs={"scope": scope, "metric": metric, "period": period}),
        "results": selectors.weekly_results(viewer=request.user, limit=REWARDED_RANKS),
        "rewards": {"ranks": REWARDED_RANKS, "individual_days": PREMIUM_DAYS_INDIVIDUAL, "guild_days": PREMIUM_DAYS_GUILD},
        "next_reset": leaderboard.period_end(Period.WEEK, leaderboard.week_start()),
    }
    return render(request, "gamification/leaderboards.html", context)


# What higher apps add to the events page: functions (viewer) -> None or a context with a "template" the
# page includes (monetization: the player of sponsored events' videos). Filled in their AppConfig.ready.
events_page_slots = Hook("(viewer) -> None, or a context with the \"template\" the page includes")


@login_required
def events(request):
    return render(request, "gamification/events.html", {
        "current": selectors.events_list(user=request.user, state="current"),
        "past": selectors.events_list(user=request.user, state="past"),
        "slots": events_page_slots.results(viewer=request.user),
    })


@login_required
def badges(request):
    """Your collection: choose the showcase (up to 5) and wear a title and a frame."""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "showcase":
                ids = [int(value) for value in request.POST.getlist("badge_ids") if value.isdigit()]
                collection.badge_showcase_set(user=request.user, badge_ids=ids)
                messages.success(request, "Showcase saved." if ids else "Showcase cleared.")
            elif request.POST.get("action") == "equip":
                for kind in DecorationKind.values:
                    value = request.POST.get(kind, "")
                    collection.decoration_equip(user=request.user, kind=kind, decoration_id=int(value) if value.isdigit() else None)
                messages.success(request, "Decorations saved.")
        except ApplicationError as err:
            messages.error(request, err.message)
        return redirect("badges")
    badges_ = selectors.badges_collection(user=request.user)
    # The showcase first, in its order, then the rest by when they were earned.
    badges_["earned"].sort(key=lambda b: (b["position"] is None, b["position"] or 0))
    return render(request, "gamification/badges.html", {
        "collection": badges_,
        "decorations": selectors.decorations_for_user(user=request.user),
        "stats": selectors.player_stats(user=request.user),
        "showcase_size": SHOWCASE_SIZE,
        "showcase_count": sum(1 for b in badges_["earned"] if b["position"]),
    })


def guild_page_section(*, guild, viewer, is_manager: bool) -> dict:
    """The guild's events on its page (registered in guilds.views.page_sections); managers get the form's choices."""
    context = {"events": selectors.guild_events_list(guild=guild, user=viewer)}
    if is_manager:
        context |= {"task_kinds": TaskKind.choices, "task_xp_range": EVENT_TASK_XP_RANGE}
    return context
