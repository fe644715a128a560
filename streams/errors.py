from enum import StrEnum


class StreamError(StrEnum):
    CHANNEL_NOT_FOUND = "channel_not_found"
    CHANNEL_EXISTS = "channel_exists"  # one channel per user
    CHANNEL_SUSPENDED = "channel_suspended"  # by staff (moderation): no go-live, no stream key
    SLUG_TAKEN = "channel_slug_taken"
    CHANNEL_INVALID = "channel_invalid"  # a field out of range; extra.fields says which
    NOT_CHANNEL_OWNER = "not_channel_owner"
    CANNOT_FOLLOW_OWN = "cannot_follow_own_channel"
    NOT_FOLLOWING = "not_following"
    STREAM_NOT_FOUND = "stream_not_found"
    STREAM_INVALID = "stream_invalid"  # title, description, tags, schedule out of range; extra.fields
    ALREADY_LIVE = "stream_already_live"  # the channel has a live stream; extra.stream_id
    STREAM_ENDED = "stream_ended"  # nothing more happens to an ended stream
    NOT_LIVE = "stream_not_live"
    STREAM_KEY_NOT_FOUND = "channel_stream_key_not_found"
    IMAGE_INVALID = "image_invalid"  # not an image we take, or too large; extra.field
    SIGN_IN_TO_CHAT = "stream_chat_sign_in"  # anonymous viewers read the chat; posting and reacting need an account
    CHAT_NOT_LIVE = "stream_chat_not_live"  # the channel has no live stream to chat in
    MODERATOR_INVALID = "channel_moderator_invalid"  # the owner, or not a user; extra.handle
    ALERT_INVALID = "stream_alert_invalid"
    NOT_STAGE_MANAGER = "not_stage_manager"  # the host or a channel moderator manages the stage
    NOT_WATCHING = "stage_not_watching"  # invite someone who is watching the stream now
    USER_NOT_FOUND = "stage_user_not_found"  # no account with that @handle
    BLOCKED = "stage_blocked"  # they blocked the host
    ALREADY_INVITED = "stage_already_invited"  # a pending invite or raised hand exists
    ALREADY_ON_STAGE = "stage_already_on_stage"
    STAGE_FULL = "stage_full"  # extra.seats
    INVITE_NOT_FOUND = "stage_invite_not_found"  # not theirs, or no such invite
    INVITE_NOT_PENDING = "stage_invite_not_pending"  # answered, cancelled or expired; extra.status
    NOT_ON_STAGE = "stage_not_on_stage"
    CANNOT_INVITE_SELF = "stage_cannot_invite_self"
    POLL_INVALID = "poll_invalid"  # options 2–5, 15–1,800 s; extra.fields
    POLL_OPEN = "poll_already_open"  # one open poll per stream; extra.poll_id
    POLL_CLOSED = "poll_closed"
    POLL_NOT_FOUND = "poll_not_found"
    ALREADY_VOTED = "poll_already_voted"
    RAID_INVALID = "raid_invalid"  # the target is this channel, or not live
