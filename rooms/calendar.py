"""iCalendar (RFC 5545) for a scheduled room: one VEVENT, written by hand (a dozen lines; no package)."""

from datetime import UTC, timedelta

LENGTH = timedelta(hours=1)  # rooms have no end time: calendars show the first hour


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r", "").replace("\n", "\\n")


def _stamp(value) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with a leading space."""
    data, parts = line.encode(), []
    while len(data) > 75:
        cut = 75
        while (data[cut] & 0xC0) == 0x80:  # never inside a UTF-8 sequence
            cut -= 1
        parts.append(data[:cut].decode())
        data = b" " + data[cut:]
    parts.append(data.decode())
    return "\r\n".join(parts)


def scheduled_room_ics(scheduled, *, url: str, host_name: str) -> str:
    description = "\n".join(filter(None, [scheduled.topic, f"Hosted by @{scheduled.host.handle}", url]))
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//{host_name}//Scheduled rooms//EN", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH", "BEGIN:VEVENT", f"UID:scheduled-room-{scheduled.pk}@{host_name}",
        f"DTSTAMP:{_stamp(scheduled.created_at)}", f"DTSTART:{_stamp(scheduled.starts_at)}",
        f"DTEND:{_stamp(scheduled.starts_at + LENGTH)}", f"SUMMARY:{_escape(scheduled.name)}",
        f"DESCRIPTION:{_escape(description)}", f"URL:{url}",
        f"STATUS:{'CANCELLED' if scheduled.status == 'cancelled' else 'CONFIRMED'}",
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
