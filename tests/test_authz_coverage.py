"""Every /api/v1/ operation is in some app's authorization matrix (tests/<app>/test_authz_matrix.py).

A new endpoint fails here until its app's matrix states what every kind of caller gets.
"""

from tests.accounts.test_authz_matrix import CASES as ACCOUNTS
from tests.authz import api_endpoints
from tests.gamification.test_authz_matrix import CASES as GAMIFICATION
from tests.guilds.test_authz_matrix import CASES as GUILDS
from tests.media_relay.test_authz_matrix import CASES as MEDIA_RELAY
from tests.rooms.test_authz_matrix import CASES as ROOMS
from tests.streams.test_authz_matrix import CASES as STREAMS

# The schema and its docs page describe the API; they are no operation of it (and not in the schema).
NOT_OPERATIONS = {"api-schema", "api-docs"}


def test_every_api_operation_is_in_an_authorization_matrix():
    operations = {(name, method) for name, method, _ in api_endpoints() if name not in NOT_OPERATIONS}
    in_matrices = {(case.name, case.method) for cases in (ACCOUNTS, ROOMS, GUILDS, GAMIFICATION, MEDIA_RELAY,
                                                                         STREAMS)
                   for case in cases}

    assert len(operations) >= 107
    assert sorted(operations - in_matrices) == []
