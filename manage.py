#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if sys.argv[1:2] == ["run_relay"]:  # before anything loads OpenSSL: WHIP from FFmpeg (media_relay/sfu/dtls.py)
        from media_relay.sfu.dtls import use_dtls_groups

        use_dtls_groups()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
