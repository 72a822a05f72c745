"""Guards on the public forms: rate limits per address and per business, the office's block
list, and an image captcha drawn here with Pillow (no third-party service, works offline).

Rate limits count in the cache (Redis). When Redis does not answer, the count falls back to the
database (the requests already stored from that address or for that business in the window):
slower, but a limit still holds and no genuine report is refused for the cache's sake.
"""

import datetime
import hashlib
import hmac
import io
import random
import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.signing import BadSignature, TimestampSigner
from PIL import Image, ImageDraw, ImageFont
from redis.exceptions import RedisError

from baobao.cache import cache_unavailable
from public.models import BlockEntry, BlockKind, PublicRequest

# Reports from one address per hour, and about one business per hour (a pile-on).
IP_LIMIT_PER_HOUR = 5
ENTITY_LIMIT_PER_HOUR = 10
# Nominations and votes from one address per hour.
VOTE_LIMIT_PER_HOUR = 30
WINDOW = 3600
CAPTCHA_DIGITS = "3456789"
CAPTCHA_LENGTH = 4
CAPTCHA_MAX_AGE = 1800
_SALT = "public.captcha"


def _bucket(name: str, key: str, now: datetime.datetime) -> str:
    hour = int(now.timestamp()) // WINDOW
    return f"public:rl:{name}:{key}:{hour}"


def _count_in_cache(name: str, key: str, now: datetime.datetime) -> int | None:
    """The window's count after this hit, or None when the cache cannot count."""
    bucket = _bucket(name, key, now)
    if cache_unavailable():
        return None
    try:
        cache.add(bucket, 0, WINDOW + 60)
        return cache.incr(bucket)
    except (RedisError, ValueError):
        return None


def _since(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(seconds=WINDOW)


def submission_allowed(
    *, client_ip: str | None, entity_id: int | None, now: datetime.datetime
) -> bool:
    """May one more report come from this address, about this business, in the hour before
    ``now`` (the request's clock)?"""
    if client_ip:
        count = _count_in_cache("ip", client_ip, now)
        if count is None:
            count = (
                PublicRequest.objects.filter(
                    client_ip=client_ip, created_at__gte=_since(now)
                ).count()
                + 1
            )
        if count > IP_LIMIT_PER_HOUR:
            return False
    if entity_id:
        count = _count_in_cache("entity", str(entity_id), now)
        if count is None:
            count = (
                PublicRequest.objects.filter(
                    entity_id=entity_id, created_at__gte=_since(now)
                ).count()
                + 1
            )
        if count > ENTITY_LIMIT_PER_HOUR:
            return False
    return True


def vote_allowed(*, client_ip: str | None, now: datetime.datetime) -> bool:
    if not client_ip:
        return True
    count = _count_in_cache("vote", client_ip, now)
    # Without the cache, votes rely on the one-vote-a-day constraint alone.
    return count is None or count <= VOTE_LIMIT_PER_HOUR


def voter_key(client_ip: str | None) -> str:
    """A keyed hash of the address: votes are counted without storing addresses."""
    raw = (client_ip or "unknown").encode()
    return hmac.new(settings.SECRET_KEY.encode(), raw, hashlib.sha256).hexdigest()


def is_blocked(*, division_path: str, client_ip: str | None, phone: str) -> bool:
    """Is the address or phone on the block list of an office above ``division_path``?"""
    prefixes = [division_path[:n] for n in range(2, len(division_path) + 1)]
    values = [(BlockKind.IP, client_ip or ""), (BlockKind.PHONE, phone.strip())]
    for kind, value in values:
        if (
            value
            and BlockEntry.objects.filter(
                division_path__in=prefixes, kind=kind, value=value
            ).exists()
        ):
            return True
    return False


# --- captcha -----------------------------------------------------------------------------------


def captcha_new() -> str:
    """A signed random token; the answer is derived from it with the secret key, so the token
    says nothing about the answer and no session is needed."""
    return TimestampSigner(salt=_SALT).sign(secrets.token_urlsafe(12))


def _answer(nonce: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), nonce.encode(), hashlib.sha256).digest()
    return "".join(CAPTCHA_DIGITS[b % len(CAPTCHA_DIGITS)] for b in digest[:CAPTCHA_LENGTH])


def _nonce(token: str) -> str | None:
    try:
        return TimestampSigner(salt=_SALT).unsign(token, max_age=CAPTCHA_MAX_AGE)
    except BadSignature:
        return None


def captcha_answer(token: str) -> str | None:
    """The digits a token's image shows (tests and the image itself)."""
    nonce = _nonce(token)
    return _answer(nonce) if nonce else None


def captcha_check(token: str, typed: str) -> bool:
    """Does ``typed`` match the token's image? A token is good for one successful use (as far as
    the cache remembers)."""
    nonce = _nonce(token or "")
    if nonce is None or (typed or "").strip() != _answer(nonce):
        return False
    # Redis down: the add answers False; the signature and age still hold.
    return bool(cache.add(f"public:captcha:{nonce}", 1, CAPTCHA_MAX_AGE)) or cache_unavailable()


def captcha_png(token: str) -> bytes | None:
    """The captcha's image: the digits, jittered, over noise lines; small and readable."""
    answer = captcha_answer(token)
    if answer is None:
        return None
    rng = random.Random(token)
    image = Image.new("L", (120, 44), 245)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=28)
    for _i in range(6):
        draw.line(
            [(rng.randint(0, 120), rng.randint(0, 44)), (rng.randint(0, 120), rng.randint(0, 44))],
            fill=rng.randint(120, 200),
            width=1,
        )
    for i, digit in enumerate(answer):
        draw.text((10 + i * 26, rng.randint(2, 10)), digit, fill=rng.randint(0, 70), font=font)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
