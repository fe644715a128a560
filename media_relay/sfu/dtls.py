"""DTLS groups for WHIP encoders whose certificate is on P-224 (FFmpeg's WHIP muxer).

FFmpeg 8's WHIP muxer (the one in PyAV, and any tool built on libavformat) makes its self-signed
DTLS certificate on secp224r1 and offers ``a=setup:passive``, so aiortc is the DTLS client. OpenSSL's
client refuses a server certificate whose curve is not among its TLS groups (SSL_R_WRONG_CURVE,
alert illegal_parameter), and P-224 is not among its default groups. So the relay adds P-224, last:
browsers (X25519 / P-256) negotiate as before.

Why a process-wide OpenSSL configuration rather than a hook on the context aiortc creates
(``RTCCertificate._create_ssl_context``): the call that sets a context's groups,
``SSL_CTX_set1_groups_list`` (alias ``set1_curves_list``), is not in the OpenSSL bindings of
cryptography 46 that pyOpenSSL uses, and the OpenSSL inside cryptography is linked statically,
so nothing else can reach it; cryptography 47+ bundles OpenSSL 4.0, whose TLS groups no longer
include P-224 at all (requirements.txt pins cryptography 46 for this). What remains is OpenSSL's
``system_default`` section (dtls_groups.cnf), read once, when cryptography first loads OpenSSL:
``use_dtls_groups()`` must run before anything imports cryptography (manage.py does it for
``run_relay``; tests/media_relay/relay_process.py first thing). It affects every TLS context of
cryptography's OpenSSL in that process, which in the relay are aiortc's DTLS contexts only. Python's
``ssl`` module (the system OpenSSL, which reads OPENSSL_CONF too) is imported before the variable is
set so that it initialises with the system's configuration.
``p224_certificate_accepted()`` checks that it worked (run_relay logs an error when not).
"""

from __future__ import annotations

import os
from pathlib import Path

OPENSSL_CONF = str(Path(__file__).with_name("dtls_groups.cnf"))


def use_dtls_groups() -> None:
    """Point OpenSSL at dtls_groups.cnf, unless the deployment set its own OPENSSL_CONF (which then
    needs the same ``Groups`` line). Call before cryptography is imported."""
    import ssl  # noqa: F401  -- the system OpenSSL reads its own configuration now, before ours is set

    os.environ.setdefault("OPENSSL_CONF", OPENSSL_CONF)


def p224_certificate_accepted() -> bool:
    """Whether aiortc's DTLS client completes a handshake with a server whose certificate is on
    P-224, as FFmpeg's WHIP muxer makes it (in memory, a few milliseconds)."""
    from aiortc.rtcdtlstransport import SRTP_PROFILES, RTCCertificate, generate_certificate
    from cryptography.hazmat.primitives.asymmetric import ec
    from OpenSSL import SSL

    key = ec.generate_private_key(ec.SECP224R1())
    server = SSL.Connection(RTCCertificate(key=key, cert=generate_certificate(key))._create_ssl_context(SRTP_PROFILES))
    client = SSL.Connection(RTCCertificate.generateCertificate()._create_ssl_context(SRTP_PROFILES))
    server.set_accept_state()
    client.set_connect_state()
    try:
        for _ in range(8):
            for side in (client, server):
                try:
                    side.do_handshake()
                except SSL.WantReadError:
                    pass
            for sender, receiver in ((client, server), (server, client)):
                try:
                    while True:
                        receiver.bio_write(sender.bio_read(65536))
                except SSL.WantReadError:
                    pass
    except SSL.Error:
        return False
    return client.get_cipher_name() is not None
