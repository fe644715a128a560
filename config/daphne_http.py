"""daphne's HTTP requests leave request bodies to Django.

Twisted's Request parses a POST's form body into `request.args` before daphne sees it, and on
a multipart body it cannot parse (an empty boundary, say) answers 400 itself: an empty body, no
content type, no log line, where Django would answer in the API's error shape. daphne never
reads `args`, so the parse is switched off (it also held a second copy of every upload).
Imported by config/asgi.py; tests/e2e/test_server_edges.py checks it against the installed daphne.
"""

import functools

from daphne.http_protocol import WebRequest

WebRequest.__init__ = functools.partialmethod(WebRequest.__init__, parsePOSTFormSubmission=False)
