"""A readable "Browser on OS" from a User-Agent header, for the sessions list."""

import re

BROWSERS = [("Edge", r"Edg/"), ("Opera", r"OPR/"), ("Firefox", r"Firefox/"), ("Chrome", r"Chrome/|Chromium/"), ("Safari", r"Safari/")]
SYSTEMS = [("iOS", r"iPhone|iPad"), ("Android", r"Android"), ("Windows", r"Windows"), ("macOS", r"Mac OS X"), ("Linux", r"Linux")]


def describe_user_agent(user_agent: str) -> str:
    if not user_agent:
        return "Unknown device"
    browser = next((name for name, pattern in BROWSERS if re.search(pattern, user_agent)), None)
    system = next((name for name, pattern in SYSTEMS if re.search(pattern, user_agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or user_agent[:40]
