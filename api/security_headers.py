"""Headers every answer carries, so a browser refuses what the pages never do: run a script or
load anything from another site (Content-Security-Policy), be framed by another page (a
clickjacking guard), guess a file's type, or tell another site which page a link was followed
from.

The API's description page (`/docs`) starts Swagger UI with a script of its own in the page, so
it is left without the policy.
"""

from __future__ import annotations

POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
WITHOUT_POLICY = ("/docs",)


class SecurityHeaders:
    """ASGI middleware adding the headers to every HTTP answer."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(ALWAYS)
        if not scope["path"].startswith(WITHOUT_POLICY):
            extra.append((b"content-security-policy", POLICY.encode()))

        async def with_headers(message):
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (name, value) for name, value in extra if name not in present
                ]
            await send(message)

        await self.app(scope, receive, with_headers)
