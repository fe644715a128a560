from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer
from chat.models import MAX_MESSAGE_LENGTH

from ..models import GROUP_MAX_MEMBERS, Call, Conversation, ConversationMember, DirectMessage, MessagesFrom


class CallSerializer(serializers.ModelSerializer):
    caller = UserSummarySerializer()
    callee = UserSummarySerializer()
    room = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="the voice room once accepted")
    duration_seconds = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Call
        fields = ["id", "conversation_id", "caller", "callee", "status", "room", "created_at", "answered_at", "ended_at",
                  "duration_seconds"]


class MessageSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer()
    body = serializers.SerializerMethodField()
    is_deleted = serializers.SerializerMethodField()
    call = CallSerializer(allow_null=True)

    class Meta:
        model = DirectMessage
        fields = ["id", "conversation_id", "author", "body", "mentions", "created_at", "edited_at", "is_deleted", "call"]

    def get_body(self, message) -> str:
        return "" if message.deleted_at else message.body

    def get_is_deleted(self, message) -> bool:
        return message.deleted_at is not None


class ConversationSerializer(serializers.ModelSerializer):
    members = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = ["id", "kind", "name", "created_by", "created_at", "last_message_at", "members"]

    def get_members(self, conversation) -> list[dict]:
        people = sorted((m.user for m in conversation.members.all()), key=lambda user: user.handle)
        return UserSummarySerializer(people, many=True).data


class ConversationListItemSerializer(serializers.ModelSerializer):
    """One of my conversations (a member row: my unread count and read position)."""

    conversation = ConversationSerializer()

    class Meta:
        model = ConversationMember
        fields = ["conversation", "unread_count", "last_read_id"]


class ConversationDetailSerializer(ConversationSerializer):
    read_positions = serializers.DictField(child=serializers.IntegerField(), help_text="user id → last read message id")
    open_call = CallSerializer(allow_null=True)

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "read_positions", "open_call"]


class DirectOpenSerializer(serializers.Serializer):
    handle = serializers.CharField(max_length=30)


class GroupCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    members = serializers.ListField(child=serializers.CharField(max_length=30), max_length=50,
                                    help_text=f"@handles of friends; at most {GROUP_MAX_MEMBERS - 1} besides you")


class GroupRenameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, allow_blank=True)


class MemberAddSerializer(serializers.Serializer):
    handle = serializers.CharField(max_length=30)


class MessageSendSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_MESSAGE_LENGTH * 4, trim_whitespace=False)


class ReadSerializer(serializers.Serializer):
    message_id = serializers.IntegerField(min_value=1)


class ReadResultSerializer(serializers.Serializer):
    last_read_id = serializers.IntegerField()
    unread_count = serializers.IntegerField()


class UnreadSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    conversations = serializers.DictField(child=serializers.IntegerField(), help_text="conversation id → unread")


class DmSettingsSerializer(serializers.Serializer):
    messages_from = serializers.ChoiceField(choices=MessagesFrom.choices)
