"""Every /api/v1/ operation is in some app's authorization matrix (tests/<app>/test_authz_matrix.py).

A new endpoint fails here until its app's matrix states what every kind of caller gets.
"""

from tests.accounts.test_authz_matrix import CASES as ACCOUNTS
from tests.authz import api_endpoints
from tests.developers.test_authz_matrix import CASES as DEVELOPERS
from tests.dms.test_authz_matrix import CASES as DMS
from tests.gamification.test_authz_matrix import CASES as GAMIFICATION
from tests.guilds.test_authz_matrix import CASES as GUILDS
from tests.media_relay.test_authz_matrix import CASES as MEDIA_RELAY
from tests.moderation.test_authz_matrix import CASES as MODERATION
from tests.monetization.test_ads_authz_matrix import CASES as ADS
from tests.monetization.test_authz_matrix import CASES as PAYMENTS
from tests.rooms.test_authz_matrix import CASES as ROOMS
from tests.streams.test_authz_matrix import CASES as STREAMS
from tests.vods.test_authz_matrix import CASES as VODS
from tests.vods.test_clips_authz_matrix import CASES as CLIPS

# The schema and its docs page describe the API; they are no operation of it (and not in the schema).
NOT_OPERATIONS = {"api-schema", "api-docs", "api-redoc"}


def test_every_api_operation_is_in_an_authorization_matrix():
    operations = {(name, method) for name, method, _ in api_endpoints() if name not in NOT_OPERATIONS}
    in_matrices = {(case.name, case.method) for cases in (ACCOUNTS, ROOMS, GUILDS, GAMIFICATION, MEDIA_RELAY,
                                                                         STREAMS, MODERATION, ADS, PAYMENTS, DMS, CLIPS, DEVELOPERS, VODS)
                   for case in cases}

    assert len(operations) >= 120
    assert sorted(operations - in_matrices) == []
