"""The hook where a text filter checks what people write for others to read (names, handles, bios).

accounts, rooms, guilds and streams call public_text_check from their services before saving such a
field; moderation's AutoMod registers the check in its AppConfig.ready (a lower app imports no higher
one). A check returns nothing or raises ApplicationError (a 4xx with the field named in extra).
"""


from config.hooks import Hook

public_text_checks = Hook("(text, field, community_kind, community_id) -> None, raising ApplicationError to refuse")


def public_text_check(*, text: str, field: str, community_kind: str = "", community_id: int | None = None) -> None:
    if not text:
        return
    for check in public_text_checks:
        check(text=text, field=field, community_kind=community_kind, community_id=community_id)
