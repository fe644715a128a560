from rest_framework import serializers


class IceServerSerializer(serializers.Serializer):
    urls = serializers.ListField(child=serializers.CharField())
    username = serializers.CharField(required=False, help_text="TURN only: <unix expiry>:<user id>")
    credential = serializers.CharField(required=False, help_text="TURN only: base64(HMAC-SHA1(secret, username))")


class RelayGrantSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="The relay's signalling WebSocket (ws:// or wss://).")
    token = serializers.CharField(help_text="Bearer token: `Authorization: Bearer` or `?token=` on the WebSocket.")
    room = serializers.CharField(help_text="The relay room to `join`.")
    perms = serializers.ListField(
        child=serializers.CharField(),
        help_text="Your rights now (join, subscribe, publish_audio, mute_others, kick); the relay re-checks them live.",
    )
    ice_servers = IceServerSerializer(many=True, help_text="RTCPeerConnection iceServers.")
    expires_at = serializers.DateTimeField(help_text="Connect before this; an open connection stays.")


class StreamKeySerializer(serializers.Serializer):
    whip_url = serializers.CharField(help_text="OBS: Service \"WHIP\", Server = this URL.")
    key = serializers.CharField(help_text="OBS: Bearer Token. Shown once; only its hash is stored.")
    prefix = serializers.CharField(help_text="The key's first characters, to recognise it.")
    created_at = serializers.DateTimeField()


class RecordingPartSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField(help_text="Where to download the WebM file.")
    started_at = serializers.DateTimeField()
    duration = serializers.FloatField(help_text="Seconds.")
    size = serializers.IntegerField(help_text="Bytes.")
    tracks = serializers.ListField(child=serializers.CharField(), help_text='e.g. ["audio", "audio", "video"]')

    def get_url(self, part) -> str:
        return part.file.url


class RecordingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    room = serializers.CharField(source="room.code")
    started_at = serializers.DateTimeField()
    stopped_at = serializers.DateTimeField(allow_null=True, help_text="Empty while it is going.")
    parts = RecordingPartSerializer(many=True, help_text="The files written so far, in order.")


class RoomRecordingSerializer(serializers.Serializer):
    """What a member sees: whether the room's voice is being recorded, since when."""

    is_recording = serializers.BooleanField()
    started_at = serializers.DateTimeField(allow_null=True)
