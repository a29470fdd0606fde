import io
import struct
import zlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from articles.models import Image
from tests.factories import ImageFactory, image_bytes
from tests.helpers import gif_frame_bomb

UPLOAD_URL = "/editor/upload-image/"

# Hostile input: part of `make test-security` as well.
pytestmark = pytest.mark.security


def jpeg_with_gps():
    """A JPEG whose EXIF holds a GPS position and a camera comment."""
    image = PILImage.new("RGB", (640, 480), (200, 180, 160))
    exif = PILImage.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 12.0)
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 40.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_header_only(width, height):
    """A PNG that declares huge dimensions but holds almost no data."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def upload(client, name, data, content_type="image/jpeg"):
    return client.post(
        UPLOAD_URL, {"upload": SimpleUploadedFile(name, data, content_type)}
    )


@pytest.mark.django_db
def test_anonymous_upload_is_forbidden(client):
    response = upload(client, "a.jpg", image_bytes())
    assert response.status_code == 403
    assert not Image.objects.exists()


@pytest.mark.django_db
def test_moderator_cannot_upload(moderator_client):
    response = upload(moderator_client, "a.jpg", image_bytes())
    assert response.status_code == 403


@pytest.mark.django_db
def test_editor_upload_is_stored_re_encoded_under_a_random_name(editor_client):
    response = upload(editor_client, "My Holiday.jpg", jpeg_with_gps())
    assert response.status_code == 200
    url = response.json()["url"]
    image = Image.objects.get()
    assert url == image.file.url
    assert "Holiday" not in image.file.name
    assert image.file.name.endswith(".jpg")
    with default_storage.open(image.file.name) as stored:
        reopened = PILImage.open(stored)
        reopened.load()
        assert reopened.getexif() == {}
        assert "exif" not in reopened.info
    assert (image.width, image.height) == (640, 480)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "drawing.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "not a JPEG, PNG, WebP or GIF",
        ),
        ("page.jpg", b"<html><script>alert(1)</script></html>", "not a JPEG"),
        ("shell.jpg", b"<?php system($_GET['c']); ?>", "not a JPEG"),
        ("scan.tiff", image_bytes("TIFF"), "not a JPEG"),
        ("broken.jpg", image_bytes()[:600], "damaged or incomplete"),
        ("huge.png", png_header_only(30000, 30000), "megapixels"),
    ],
)
def test_bad_files_are_refused_with_a_message(
    editor_client, refusal, name, data, message
):
    response = upload(editor_client, name, data)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    assert not Image.objects.exists()
    refusal("uploads refused")


@pytest.mark.django_db
def test_decompression_bomb_is_refused(editor_client, settings, refusal):
    settings.CLINIC_IMAGE_MAX_PIXELS = 1_000_000
    data = image_bytes("PNG", size=(4000, 4000))
    response = upload(editor_client, "bomb.png", data, "image/png")
    assert response.status_code == 400
    assert "megapixels" in response.json()["error"]["message"]
    assert not Image.objects.exists()
    refusal("uploads refused")


@pytest.mark.django_db
def test_an_animation_shares_one_pixel_budget(editor_client, refusal, figures):
    import time
    import tracemalloc

    data = gif_frame_bomb()
    assert len(data) < 1000
    tracemalloc.start()
    started = time.monotonic()
    response = upload(editor_client, "spinner.gif", data, "image/gif")
    seconds = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    figures["GIF of 40 frames of 2000×2000 (959 bytes): peak MB, seconds"] = [
        round(peak / 2**20, 1),
        round(seconds, 2),
    ]
    assert response.status_code == 400
    assert "40 frames" in response.json()["error"]["message"]
    assert not Image.objects.exists()
    assert peak < 20 * 2**20
    assert seconds < 2
    refusal("uploads refused")


@pytest.mark.django_db
def test_a_small_animation_is_accepted(editor_client):
    response = upload(
        editor_client, "dots.gif", gif_frame_bomb(200, 100, 5), "image/gif"
    )
    assert response.status_code == 200
    assert Image.objects.count() == 1


@pytest.mark.django_db
def test_oversized_file_is_refused(editor_client, settings, refusal):
    settings.CLINIC_IMAGE_MAX_BYTES = 1000
    response = upload(editor_client, "a.jpg", image_bytes())
    assert response.status_code in (400, 413)
    assert "MB" in response.json()["error"]["message"]
    assert not Image.objects.exists()
    refusal("uploads refused")


def gif_javascript_polyglot():
    """A GIF whose bytes also run as JavaScript: the width spells "/*"."""
    gif = bytearray(image_bytes("GIF", size=(40, 40)))
    gif[6:8] = b"/*"
    return bytes(gif) + b"*/=window.__pwned=1;"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("anim.gif", image_bytes("GIF", size=(40, 40)) + b"/*<script>x</script>*/"),
        ("anim.gif", gif_javascript_polyglot()),
        ("anim.gif", image_bytes("GIF", size=(40, 40)) + b"alert(document.domain)"),
        ("photo.jpg", image_bytes() + b"<?php echo 1; ?>"),
        ("photo.jpg", image_bytes() + b"PK\x03\x04 zip archive after the image"),
        ("chart.png", image_bytes("PNG", size=(40, 40)) + b"trailing bytes"),
        ("chart.webp", image_bytes("WEBP", size=(40, 40)) + b"trailing bytes"),
    ],
)
def test_polyglots_are_refused_and_nothing_is_stored(
    editor_client, settings, refusal, name, data
):
    response = upload(editor_client, name, data, "image/gif")
    assert response.status_code == 400
    assert "script code" in response.json()["error"]["message"]
    assert not Image.objects.exists()
    assert not [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]
    refusal("uploads refused")


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_plain_images_of_every_format_are_accepted(editor_client, fmt):
    response = upload(editor_client, f"plain.{fmt.lower()}", image_bytes(fmt))
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_renditions_exist_after_save_and_render_without_queries(
    django_assert_num_queries,
):
    image = ImageFactory()
    with django_assert_num_queries(0):
        webp = image.renditions("webp")
        jpeg = image.srcset("jpeg")
    assert [width for _, width, _ in webp] == [480, 960, 1200]
    assert [height for _, _, height in webp] == [320, 640, 800]
    assert jpeg.count("w,") == 2
    for url, _width, _height in webp:
        name = url.removeprefix("/media/")
        assert default_storage.exists(name), name
    with default_storage.open(image.webp_480.name) as stored:
        assert PILImage.open(stored).format == "WEBP"


@pytest.mark.django_db
def test_image_admin_upload_goes_through_the_same_checks(editor_client, refusal):
    response = editor_client.post(
        "/admin/articles/image/add/",
        {"file": SimpleUploadedFile("x.jpg", b"<html></html>"), "title": "X"},
    )
    assert response.status_code == 200
    assert "not a JPEG" in response.content.decode()
    assert not Image.objects.exists()
    refusal("uploads refused")

    response = editor_client.post(
        "/admin/articles/image/add/",
        {"file": SimpleUploadedFile("x.jpg", jpeg_with_gps()), "title": "Spine"},
    )
    assert response.status_code == 302
    image = Image.objects.get()
    assert image.title == "Spine"
    assert image.uploaded_by.username == "editor"
