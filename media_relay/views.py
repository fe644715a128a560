"""/whip/<room>: the platform's stable WHIP URL, redirecting to the relay worker that hosts the room;
/recordings/: the recordings a user may play, download and (theirs) delete."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from config.errors import ApplicationError, NotFoundError

from .recordings import can_delete, recording_delete, recording_get_for_user, recordings_playable
from .relay_kinds import relay_room_parse
from .services import relay_whip_url


@csrf_exempt  # bearer-authenticated by the worker, no cookies
@require_http_methods(["POST", "OPTIONS"])
def whip_redirect(request, room: str):
    parsed = relay_room_parse(room)  # any kind: a room's voice, a live stream (media_relay.relay_kinds)
    if parsed is None:
        raise Http404("No such room.")
    response = HttpResponse(status=307)  # 307 keeps the method and the SDP body
    response["Location"] = relay_whip_url(room=room, room_id=parsed[1])
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
    response["Access-Control-Expose-Headers"] = "Location"
    if request.method == "OPTIONS":
        response.status_code = 204
        del response["Location"]
    return response


@login_required
def recordings(request):
    rows = [(r, can_delete(recording=r, user=request.user)) for r in recordings_playable(user=request.user)[:100]]
    return render(request, "media_relay/recordings.html", {"rows": rows})


@login_required
def recording(request, pk: int):
    try:
        found = recording_get_for_user(recording_id=pk, user=request.user)
    except NotFoundError as err:
        raise Http404(err.message) from err
    return render(request, "media_relay/recording.html",
                  {"recording": found, "can_delete": can_delete(recording=found, user=request.user)})


@login_required
@require_POST
def recording_delete_view(request, pk: int):
    try:
        recording_delete(actor=request.user, recording_id=pk)
    except NotFoundError as err:
        raise Http404(err.message) from err
    except ApplicationError as err:
        messages.error(request, err.message)
        return redirect("recording", pk=pk)
    messages.success(request, "Recording deleted.")
    return redirect("recordings")
