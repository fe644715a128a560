"""/whip/<room>: the platform's stable WHIP URL, redirecting to the relay worker that hosts the room."""

from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .selectors import room_id_from_relay_room
from .services import relay_whip_url


@csrf_exempt  # bearer-authenticated by the worker, no cookies
@require_http_methods(["POST", "OPTIONS"])
def whip_redirect(request, room: str):
    room_id = room_id_from_relay_room(room)
    if room_id is None:
        raise Http404("No such room.")
    response = HttpResponse(status=307)  # 307 keeps the method and the SDP body
    response["Location"] = relay_whip_url(room=room, room_id=room_id)
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
    response["Access-Control-Expose-Headers"] = "Location"
    if request.method == "OPTIONS":
        response.status_code = 204
        del response["Location"]
    return response
