from enum import StrEnum


class StreamError(StrEnum):
    CHANNEL_NOT_FOUND = "channel_not_found"
    CHANNEL_EXISTS = "channel_exists"  # one channel per user
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
