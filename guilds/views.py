"""Website pages for guilds: browse and search, found a guild, a guild's page, its settings."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from config.errors import ApplicationError, NotFoundError
from config.hooks import Hook

from . import selectors
from .api.serializers import activity_text
from .forms import GuildAvatarForm, GuildCreateForm, GuildSettingsForm
from .models import GuildRole
from .services import guilds

LIST_SIZE = 60

# What higher apps add to a member's view of a guild page: functions (guild, viewer, is_manager)
# -> template context, registered in their AppConfig.ready (gamification: the guild's events).
page_sections = Hook("(guild, viewer, is_manager) -> a dict merged into the guild page's context")


@login_required
def guild_list(request):
    query = request.GET.get("q", "").strip()
    context = {
        "query": query,
        "guilds": selectors.guild_list(query=query or None)[:LIST_SIZE],
        "my_guild": selectors.guild_for_user(user=request.user),
        "invites": selectors.invites_pending_for_user(user=request.user),
        "my_requests": selectors.join_requests_of_user(user=request.user),
    }
    return render(request, "guilds/list.html", context)


@login_required
def guild_new(request):
    form = GuildCreateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            guild = guilds.guild_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as err:
            form.add_error(None, err.message)
        else:
            return redirect("guild", slug=guild.slug)
    return render(request, "guilds/new.html", {"form": form})


@login_required
def guild_page(request, slug: str):
    try:
        guild = selectors.guild_get(slug=slug)
    except NotFoundError as err:
        return render(request, "guilds/missing.html", {"error": err}, status=err.status)
    detail = selectors.guild_detail(guild=guild, viewer=request.user)
    me = detail["me"]
    is_manager = selectors.can_manage(me)
    context = {
        "guild": guild,
        "detail": detail,
        "me": me,
        "is_member": me is not None,
        "is_manager": is_manager,
        "is_leader": me is not None and me.role == GuildRole.LEADER,
        "in_another_guild": me is None and selectors.guild_for_user(user=request.user) is not None,
        "members": [(m, selectors.member_menu(me=me, member=m)) for m in selectors.members_list(guild=guild)],
        "activity": [(a, activity_text(a)) for a in selectors.activity_list(guild=guild, for_member=me is not None)],
    }
    if me is not None:
        context["rooms"] = selectors.guild_rooms_list(guild=guild)
        context["chat_messages"] = selectors.messages_list(guild=guild)
        for section in page_sections.results(guild=guild, viewer=request.user, is_manager=is_manager):
            context.update(section)
    if is_manager:
        context["join_requests"] = selectors.join_requests_pending(guild=guild)
        context["sent_invites"] = selectors.invites_pending_for_guild(guild=guild)
    if context["is_leader"]:
        context["settings_form"] = GuildSettingsForm(initial={
            "name": guild.name, "description": guild.description, "is_public": guild.is_public,
            "max_members": guild.max_members,
        })
        context["avatar_form"] = GuildAvatarForm()
    return render(request, "guilds/guild.html", context)


@login_required
@require_POST
def guild_settings(request, slug: str):
    """The leader's settings and avatar forms post here, then return to the guild page."""
    try:
        guild = selectors.guild_get(slug=slug)
        if "avatar" in request.FILES:
            form = GuildAvatarForm(request.POST, request.FILES)
            if form.is_valid():
                guilds.guild_avatar_set(actor=request.user, guild=guild, upload=form.cleaned_data["avatar"])
                messages.success(request, "Avatar updated.")
        else:
            form = GuildSettingsForm(request.POST)
            if form.is_valid():
                guilds.guild_update(actor=request.user, guild=guild, **form.cleaned_data)
                messages.success(request, "Guild settings saved.")
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    except ApplicationError as err:
        messages.error(request, err.message)
    return redirect("guild", slug=slug)
