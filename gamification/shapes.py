"""Plain-dict shapes of badges and decorations, shared by selectors, events and the API."""


def badge_data(badge, *, position: int | None = None, earned_at=None) -> dict:
    data = {
        "id": badge.pk,
        "slug": badge.slug,
        "name": badge.name,
        "description": badge.description,
        "rarity": badge.rarity,
        "image_url": badge.image.url if badge.image else None,
        "icon": badge.icon,
    }
    if position is not None or earned_at is not None:
        data.update(position=position, earned_at=earned_at)
    return data


def decoration_data(decoration) -> dict | None:
    if decoration is None:
        return None
    return {
        "id": decoration.pk,
        "slug": decoration.slug,
        "kind": decoration.kind,
        "name": decoration.name,
        "rarity": decoration.rarity,
        "style": decoration.style,
        "unlock_level": decoration.unlock_level,
    }
