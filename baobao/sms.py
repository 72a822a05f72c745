"""SMS behind one small interface, chosen by the ``SMS_BACKEND`` setting.

The default backend only logs, so a laptop or a test never sends a text. ``AliyunSmsBackend``
sends through Alibaba Cloud SMS (短信服务, the ``SendSms`` API over HTTPS) with the standard
library only; it needs an approved signature and a template with one ``${content}`` variable.
"""

import base64
import datetime
import hashlib
import hmac
import json
import logging
import urllib.parse
import urllib.request
import uuid

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from baobao import clock

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The provider refused or could not be reached; the delivery is retried later."""


class BaseSmsBackend:
    def send(self, *, phone: str, text: str) -> None:
        """Send ``text`` to ``phone`` or raise SmsError."""
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Logs the text instead of sending it."""

    def send(self, *, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


class AliyunSmsBackend(BaseSmsBackend):
    """Alibaba Cloud SMS (dysmsapi, RPC style, signature method HMAC-SHA1)."""

    endpoint = "https://dysmsapi.aliyuncs.com/"

    def __init__(self):
        # Seconds for the HTTPS connect and each read: a gateway that hangs costs one delivery
        # this long, then the delivery is retried later.
        self.timeout = settings.SMS_TIMEOUT
        self.access_key_id = settings.SMS_ALIYUN_ACCESS_KEY_ID
        self.access_key_secret = settings.SMS_ALIYUN_ACCESS_KEY_SECRET
        self.sign_name = settings.SMS_ALIYUN_SIGN_NAME
        self.template_code = settings.SMS_ALIYUN_TEMPLATE_CODE
        if not all(
            (self.access_key_id, self.access_key_secret, self.sign_name, self.template_code)
        ):
            raise ImproperlyConfigured(
                "AliyunSmsBackend needs SMS_ALIYUN_ACCESS_KEY_ID, SMS_ALIYUN_ACCESS_KEY_SECRET, "
                "SMS_ALIYUN_SIGN_NAME and SMS_ALIYUN_TEMPLATE_CODE"
            )

    def signed_query(self, *, phone: str, text: str) -> str:
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": "cn-hangzhou",
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": self.template_code,
            "TemplateParam": json.dumps({"content": text}, ensure_ascii=False),
            # The gateway checks the signature's time against its own: the wall clock, in UTC.
            "Timestamp": clock.read().astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        canonical = "&".join(f"{_quote(k)}={_quote(v)}" for k, v in sorted(params.items()))
        to_sign = f"GET&{_quote('/')}&{_quote(canonical)}"
        digest = hmac.new(
            f"{self.access_key_secret}&".encode(), to_sign.encode(), hashlib.sha1
        ).digest()
        return f"Signature={_quote(base64.b64encode(digest).decode())}&{canonical}"

    def send(self, *, phone: str, text: str) -> None:
        url = f"{self.endpoint}?{self.signed_query(phone=phone, text=text)}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                answer = json.loads(response.read().decode())
        except (OSError, ValueError) as exc:
            raise SmsError(f"Aliyun SMS unreachable: {exc}") from exc
        if answer.get("Code") != "OK":
            raise SmsError(f"Aliyun SMS refused: {answer.get('Code')} {answer.get('Message')}")


def _quote(value: str) -> str:
    """Percent-encoding as Alibaba Cloud's signature requires (RFC 3986, space as %20)."""
    return urllib.parse.quote(str(value), safe="~")


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
