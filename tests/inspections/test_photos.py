"""Photos are checked by content, turned upright, stripped, resized and re-encoded as JPEG."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, JpegImagePlugin

from inspections.photos import MAX_SIDE, process_photo


def image_upload(size=(40, 20), fmt="JPEG", name="photo.jpg", mode="RGB", **save_kwargs):
    buf = io.BytesIO()
    Image.new(mode, size, "red").save(buf, fmt, **save_kwargs)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def opened(photo):
    return Image.open(io.BytesIO(photo.file.read()))


def test_a_jpeg_comes_back_as_a_jpeg_with_its_size():
    # given a small phone photo
    upload = image_upload(size=(40, 20))
    # when it is processed
    photo = process_photo(upload)
    # then it is a JPEG of the same size, under a fresh name
    image = opened(photo)
    assert image.format == "JPEG"
    assert (photo.width, photo.height) == image.size == (40, 20)
    assert photo.file.name.endswith(".jpg") and photo.file.name != "photo.jpg"


def test_exif_orientation_is_applied_and_metadata_stripped():
    # given a landscape sensor image tagged "rotate 90° clockwise to view" (Orientation 6)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    upload = image_upload(size=(60, 30), exif=exif)
    # when it is processed
    photo = process_photo(upload)
    # then it comes out upright (portrait) and without EXIF
    image = opened(photo)
    assert image.size == (30, 60)
    assert (photo.width, photo.height) == (30, 60)
    assert not image.getexif()


def test_a_large_photo_is_downscaled_to_the_long_side_cap():
    # given a photo larger than the cap
    upload = image_upload(size=(3200, 2400))
    # when it is processed
    photo = process_photo(upload)
    # then its long side is the cap, the aspect ratio kept
    assert opened(photo).size == (MAX_SIDE, 1200)


def test_a_transparent_png_is_flattened_to_a_jpeg():
    upload = image_upload(size=(10, 10), fmt="PNG", name="x.png", mode="RGBA")
    photo = process_photo(upload)
    assert opened(photo).format == "JPEG"


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.4 not a photo", b"GIF89a" + b"\0" * 40, b"<script>alert(1)</script>"],
)
def test_anything_but_an_image_is_refused_by_its_content(content):
    # given a file named like a photo that is not a JPEG, PNG or WebP
    upload = SimpleUploadedFile("photo.jpg", content, content_type="image/jpeg")
    # when / then it is refused
    with pytest.raises(ValidationError) as refused:
        process_photo(upload)
    assert refused.value.code == "photo_type"


def test_a_photo_over_the_size_cap_is_refused(settings):
    # given a cap smaller than the photo
    upload = image_upload(size=(200, 200))
    settings.UPLOAD_MAX_BYTES = upload.size - 1
    # when / then
    with pytest.raises(ValidationError) as refused:
        process_photo(upload)
    assert refused.value.code == "photo_too_large"


def test_a_decompression_bomb_is_refused_before_decoding(monkeypatch):
    # given an image whose header claims more pixels than a phone photo has
    monkeypatch.setattr("inspections.photos.MAX_PIXELS", 100)
    upload = image_upload(size=(20, 20), fmt="PNG", name="bomb.png")
    # when / then
    with pytest.raises(ValidationError) as refused:
        process_photo(upload)
    assert refused.value.code == "photo_type"


def test_a_large_jpeg_is_decoded_at_a_reduced_scale_and_still_fills_the_cap(monkeypatch):
    # given a 12-megapixel phone JPEG held upright (sensor landscape, Orientation 6), whose
    # left half is red and right half blue
    exif = Image.Exif()
    exif[0x0112] = 6
    sensor = Image.new("RGB", (4032, 3024), "red")
    sensor.paste((0, 0, 255), (2016, 0, 4032, 3024))
    buf = io.BytesIO()
    sensor.save(buf, "JPEG", quality=90, exif=exif)
    upload = SimpleUploadedFile("IMG_0001.jpg", buf.getvalue(), content_type="image/jpeg")
    drafts = []
    draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        drafts.append(size)
        return draft(self, mode, size)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    # when it is processed
    photo = process_photo(upload)
    # then the decoder was asked for a reduced scale no smaller than the cap on the long side
    assert drafts and MAX_SIDE <= max(drafts[0]) < 2 * MAX_SIDE
    # and the photo is upright, at the cap, with the halves where the viewer sees them
    image = opened(photo).convert("RGB")
    assert (photo.width, photo.height) == image.size == (MAX_SIDE * 3 // 4, MAX_SIDE)
    top, bottom = image.getpixel((600, 100)), image.getpixel((600, 1500))
    assert top[0] > 200 and top[2] < 60  # red on top: rotated clockwise
    assert bottom[2] > 200 and bottom[0] < 60


def test_a_png_is_not_drafted_but_still_downscaled():
    upload = image_upload(size=(3400, 1700), fmt="PNG", name="scan.png")
    photo = process_photo(upload)
    assert (photo.width, photo.height) == (MAX_SIDE, MAX_SIDE // 2)
