"""Through the real router and auth middleware: a suspended account's stale session can't open a socket."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from config.ws import CloseCode
from tests.accounts.factories import UserFactory
from tests.sockets import call, closed, login, sockets  # noqa: F401  (the sockets fixture)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_suspended_users_stale_session_is_closed_4451(sockets):  # noqa: F811
    user = await call(UserFactory)
    key = await call(login, user)
    # a session that outlived the suspension (the service ends every recorded session; this one wasn't)
    await call(lambda: User.objects.filter(pk=user.pk).update(suspended_until=timezone.now() + timedelta(days=1)))
    close = await closed(await sockets("/ws/me/", key))
    assert (close["code"], close["reason"]) == (CloseCode.BANNED, "account_suspended")
