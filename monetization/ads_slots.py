"""What the ad marketplace adds to other apps' pages (registered in MonetizationConfig.ready): the ad player
before joining a room (the preview), after leaving one (the hallway, reached with ?left=1) and in
sponsored events. Premium users get no room slot at all."""

from rooms.models import Room, RoomKind

from .ads_selectors import shows_room_ads
from .models import AdPlacement

ROOM_PAGES = {"preview": AdPlacement.PRE_ROOM, "hallway": AdPlacement.POST_ROOM}


def room_page_slot(*, viewer, page: str, room: Room | None) -> dict | None:
    """Watch rooms only (voice rooms and partner calls are conversations, not viewing)."""
    if page not in ROOM_PAGES or not shows_room_ads(viewer) or (room is not None and room.kind != RoomKind.WATCH):
        return None
    return {"template": "monetization/ads/_player.html", "ad_placement": ROOM_PAGES[page]}


def events_page_slot(*, viewer) -> dict:
    return {"template": "monetization/ads/_player.html", "ad_placement": AdPlacement.EVENT}
