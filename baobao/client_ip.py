"""The client's address behind the deployment's own reverse proxies (axes and the audit log).

``X-Forwarded-For`` is trusted only as far as the operator says there are proxies in front
(``AXES_PROXY_COUNT``): with none, the socket's address; with n, the n-th address from the right
of the header, which the outermost trusted proxy wrote. A client cannot forge it by sending the
header itself (the leftmost entries are theirs), so the lockout cannot be dodged that way.
"""

from django.conf import settings


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.AXES_IPWARE_PROXY_COUNT
    if not proxies:
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part
    ]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies] or remote
