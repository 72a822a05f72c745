"""The client's address as the login lockout (django-axes) counts it.

Behind a reverse proxy every request comes from the proxy's address: counting failures by it
would let one user's typos lock that username for everyone. Each trusted proxy appends the
address it received from to ``X-Forwarded-For``, so with AXES_PROXY_COUNT proxies the client is
the entry that many places from the right (anything further left was sent by the client and
could be forged). Without a proxy, or without the header, REMOTE_ADDR.
"""

from django.conf import settings


def client_ip_address(request) -> str | None:
    count = settings.LOGIN_PROXY_COUNT
    header = settings.PROXY_CLIENT_IP_HEADER
    if count > 0 and header:
        forwarded = [ip.strip() for ip in request.META.get(header, "").split(",") if ip.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
