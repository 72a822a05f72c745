"""A cadre submitting a visit with a 3 MB phone photo, through the full Django stack (rolled
back), and the photo's re-encode alone: issue 18 wants the submit under 150 ms of server time."""

import io
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageDraw

from baobao import clock
from baobao.models import User
from cadres.models import Assignment
from inspections.checklists import checklist_for
from inspections.models import VisitPhoto
from inspections.photos import process_photo
from tests.benchmarks.harness import client_for, measure, rolled_back

SECTION = "Visit submit with a photo"
SUBMIT_TARGET_MS = 150
PHOTO_BYTES = 3 * 1024 * 1024


def phone_jpeg(target: int = PHOTO_BYTES) -> bytes:
    """A 12-megapixel JPEG (4032 × 3024, EXIF orientation 6 as a phone held upright writes it)
    of about ``target`` bytes: busy enough that it does not compress to nothing."""
    width, height = 4032, 3024
    noise = Image.effect_noise((width // 4, height // 4), 60).resize((width, height))
    image = Image.merge("RGB", [noise, noise.rotate(3), noise.rotate(7)])
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 37):
        draw.line([(x, 0), (width - x, height)], fill=(x % 255, 90, 200), width=3)
    exif = Image.Exif()
    exif[0x0112] = 6
    best = b""
    for quality in (30, 40, 50, 60, 70, 80, 90):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, exif=exif)
        best = out.getvalue()
        if len(best) >= target:
            break
    return best


def _upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("IMG_0001.jpg", data, content_type="image/jpeg")


def cases():
    data = phone_jpeg()
    size = f"{len(data) / 1024 / 1024:.1f} MB, 4032 × 3024"
    yield measure(
        "photo re-encode (3 MB phone JPEG)",
        lambda: process_photo(_upload(data)),
        repeat=10,
        section=SECTION,
        note=f"{size}; inspections.photos.process_photo alone",
    )
    # The demo's cadre login, on the first business they hold.
    user = User.objects.filter(username="cadre", cadre__isnull=False).first()
    if user is None:
        return
    holding = Assignment.objects.current().filter(cadre=user.cadre).order_by("id").first()
    entity = holding.entity
    items = list(checklist_for(entity).items.all())
    url = f"{reverse('inspections:visit-new')}?entity={entity.pk}"
    client = client_for(user)
    visited_at = timezone.localtime(clock.now()).strftime("%Y-%m-%dT%H:%M")

    def submit():
        fields = {
            "visited_at": visited_at,
            "on_site": "yes",
            "findings": "基准测试督导记录",
            "companions_other": "",
            "idempotency_key": str(uuid.uuid4()),
            "photos": [_upload(data)],
        }
        for item in items:
            fields[f"check-{item.pk}-result"] = "pass"
            fields[f"check-{item.pk}-note"] = ""
        with rolled_back():
            response = client.post(url, fields)
            # The rows go with the rollback; the files written to MEDIA_ROOT must go by hand.
            for photo in VisitPhoto.objects.filter(
                visit__idempotency_key=fields["idempotency_key"]
            ):
                photo.image.delete(save=False)
        if response.status_code != 302 or response["Location"] != reverse("inspections:my"):
            raise AssertionError(f"visit submit: {response.status_code} {response.get('Location')}")

    yield measure(
        "visit submit with a 3 MB photo (server time)",
        submit,
        target_ms=SUBMIT_TARGET_MS,
        repeat=10,
        section=SECTION,
        note=f"{size}; POST through every middleware, rolled back; {len(items)} checks",
    )
