"""Relay peer ids: a user's browser joins as the plain user id; their other sessions in the same room
(a WHIP publisher, WHEP players) as the user id + ``~`` + a suffix. Rights are the user's either way."""

PEER_SUFFIX_SEPARATOR = "~"


def whip_peer_id(user_id: int | str) -> str:
    """The relay peer id of a user's WHIP publisher (their browser's is the plain user id)."""
    return f"{user_id}{PEER_SUFFIX_SEPARATOR}whip"


def is_whip_peer(peer_id: str) -> bool:
    """A WHIP publisher's peer id: ``<user id>~whip``."""
    return peer_id == whip_peer_id(peer_id.partition(PEER_SUFFIX_SEPARATOR)[0])
