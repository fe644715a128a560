"""Website pages for direct messages: the list of conversations and one conversation."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from accounts.selectors import friends_list
from config.errors import NotFoundError

from . import selectors


@login_required
def conversation_list(request):
    context = {
        "rows": selectors.conversation_list(user=request.user),
        "friends": friends_list(owner=request.user, viewer=request.user),
        "messages_from": selectors.messages_from(user=request.user),
    }
    return render(request, "dms/list.html", context)


@login_required
def conversation_page(request, pk: int):
    try:
        conversation = selectors.conversation_get_for_user(conversation_id=pk, user=request.user)
    except NotFoundError as err:
        raise Http404(err.message) from err
    conversation = selectors.conversation_detail(conversation=conversation)
    people = [member.user for member in conversation.members.all()]
    others = [user for user in people if user.pk != request.user.pk]
    context = {
        "conversation": conversation,
        "others": others,
        "title": conversation.name or ", ".join(user.name for user in others) or "Just you",
        # capability flags: the page shows what the server would allow
        "can_call": not conversation.is_group and bool(others),
        "can_manage_members": conversation.is_group and conversation.created_by_id == request.user.pk,
        "friends": friends_list(owner=request.user, viewer=request.user).exclude(pk__in=[u.pk for u in people]),
    }
    return render(request, "dms/conversation.html", context)
