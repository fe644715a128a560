"""AutoMod: normalising defeats trivial evasions; one automaton per list; levels per community; the chat
filter and the names/bios hook; spam heuristics time the sender out."""

import pytest

from accounts.services.users import user_profile_update
from chat.models import ChatRestriction
from config.errors import ApplicationError
from moderation.automod import TermMatcher, text_level
from moderation.models import AutoModTerm, Case, Community, TermLevel
from moderation.normalize import normalize
from moderation.services.terms import channel_term_add, term_save
from moderation.spam import LINKS_PER_MESSAGE, MENTIONS_PER_MESSAGE
from rooms.models import ChatMessage
from rooms.services.chat import message_send
from rooms.services.membership import room_create
from streams.live_chat import chat_send
from tests.rooms.factories import RoomFactory
from tests.streams.factories import ChannelFactory, live_stream

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("evasion", ["bad", "BAD", "b.a.d", "b a d", "b-a-d", "bаd", "bád", "baaaad", "b4d", "B@D!!"])
def test_trivial_evasions_normalise_to_the_term(evasion):
    assert normalize(evasion) == " bad "


def test_a_term_matches_whole_words_only():
    matcher = TermMatcher({"as": "block", "bad word": "hold"})
    assert matcher.found(normalize("a class act")) == {}
    assert matcher.found(normalize("such a BAD   w0rd!")) == {"bad word": "hold"}


def term(text, level=TermLevel.BLOCK, community_kind="", community_id=None):
    return term_save(actor=None, term=AutoModTerm(term=text, level=level, community_kind=community_kind,
                                                  community_id=community_id))


def test_levels_and_a_communitys_own_word(commit):
    with commit():
        term("bad")
        term("meh", TermLevel.HOLD)
        term("bad", TermLevel.ALLOW, Community.CHANNEL, 7)  # this channel allows it
        term("spoiler", TermLevel.BLOCK, Community.CHANNEL, 7)
    assert text_level("so b.a.d") == TermLevel.BLOCK
    assert text_level("meh and bad") == TermLevel.BLOCK  # the strictest wins
    assert text_level("mmmeeeh") == TermLevel.HOLD
    assert text_level("so bad", community_kind=Community.CHANNEL, community_id=7) is None
    assert text_level("a spoiler", community_kind=Community.CHANNEL, community_id=7) == TermLevel.BLOCK
    assert text_level("a spoiler") is None
    assert text_level("fine words") is None


def test_a_pattern_matches_every_word_starting_with_it(commit):
    with commit():
        term("scam*")
    assert AutoModTerm.objects.get().normalized == "scam*"
    assert text_level("total SC4MMERS here") == TermLevel.BLOCK
    assert text_level("a scam") == TermLevel.BLOCK
    assert text_level("no escaping") is None


def test_a_term_must_have_letters_and_is_once_per_list():
    term("bad")
    with pytest.raises(ApplicationError) as info:
        term("B.A.D")  # the same term once normalised
    assert info.value.code == "automod_term_invalid"
    with pytest.raises(ApplicationError):
        term("!!!")


def test_room_chat_refuses_a_blocked_word_and_holds_a_held_one_for_review(commit, alice, bob):
    with commit():
        term("bad")
        term("sketchy", TermLevel.HOLD)
    room = RoomFactory(created_by=alice)
    for evasion in ("you are bаd", "b.a.d", "baaaad"):
        with pytest.raises(ApplicationError) as info:
            message_send(author=alice, room=room, body=evasion)
        assert info.value.code == "automod_blocked"
    with pytest.raises(ApplicationError) as info:
        message_send(author=alice, room=room, body="a sketchy link")
    assert info.value.code == "automod_held_for_review"
    assert not ChatMessage.objects.filter(room=room).exists()
    held = Case.objects.get(target_kind="user", target_id=str(alice.pk))
    assert held.is_automod and "a sketchy link" in held.held_text and f"room.{room.pk}" in held.held_text
    message_send(author=alice, room=room, body="a fine message")


def test_a_channel_owner_adds_their_own_terms_for_their_chat(commit, alice, bob):
    channel = ChannelFactory(owner=alice)
    live_stream(channel)
    with pytest.raises(ApplicationError) as info:
        channel_term_add(actor=bob, channel=channel, term="spoiler")
    assert info.value.code == "not_channel_owner"
    with commit():
        channel_term_add(actor=alice, channel=channel, term="spoiler")
    with pytest.raises(ApplicationError) as info:
        chat_send(actor=bob, channel=channel, body="SP0ILER ahead")
    assert info.value.code == "automod_blocked"


def test_names_handles_and_bios_go_through_automod(commit, alice):
    with commit():
        term("bad")
    with pytest.raises(ApplicationError) as info:
        user_profile_update(user=alice, bio="I am b a d")
    assert info.value.code == "automod_blocked" and info.value.extra == {"fields": {"bio": ["Not allowed here."]}}
    with pytest.raises(ApplicationError):
        user_profile_update(user=alice, display_name="Bаd Guy")
    with pytest.raises(ApplicationError):
        room_create(creator=alice, name="The b4d room")
    user_profile_update(user=alice, bio="nice")


@pytest.mark.parametrize("bodies, why", [
    (["buy now", "buy now", "BUY  now"], "repeated_messages"),
    ([" ".join(f"https://x.example/{n}" for n in range(LINKS_PER_MESSAGE + 1))], "link_flood"),
    ([" ".join(f"@user{n}" for n in range(MENTIONS_PER_MESSAGE + 1))], "mention_flood"),
])
def test_spam_times_the_sender_out_in_every_chat(alice, bob, bodies, why):
    room, other = RoomFactory(created_by=alice), RoomFactory(created_by=alice)
    *fine, spam = bodies
    for body in fine:
        message_send(author=alice, room=room, body=body)
    with pytest.raises(ApplicationError) as info:
        message_send(author=alice, room=room, body=spam)
    assert info.value.code == "automod_spam_timeout" and info.value.extra["why"] == why
    with pytest.raises(ApplicationError) as info:  # timed out: in another chat too
        message_send(author=alice, room=other, body="hello")
    assert info.value.code == "automod_spam_timeout"
    from audit.models import AuditEvent
    assert AuditEvent.objects.filter(verb="moderation.automod_timeout", target_id=str(alice.pk)).count() == 1
    assert not ChatRestriction.objects.exists()
