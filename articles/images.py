"""
Untrusted image uploads: decoded under limits, then re-encoded.

Re-encoding from decoded pixels is what drops EXIF (GPS) and comments.
Files that are also something else (polyglots: an image that is a script
or a web page too) are refused outright rather than cleaned, so that no
copy of one is ever kept. Only the formats in `FORMATS` are ever handed to
a Pillow decoder.
"""

import io
import re
import uuid
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

#: Pillow format -> file extension, for the formats we accept.
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


def _limits():
    return (
        getattr(settings, "CLINIC_IMAGE_MAX_BYTES", 10 * 1024 * 1024),
        getattr(settings, "CLINIC_IMAGE_MAX_PIXELS", 40_000_000),
    )


def _refuse(message, code):
    raise ValidationError(message, code=code)


def clean_image(upload):
    """
    Decode the uploaded file and return a ContentFile of the re-encoded
    image, named at random. Raise ValidationError with a message for the
    editor when the file is not an acceptable image.
    """
    max_bytes, max_pixels = _limits()
    if upload.size > max_bytes:
        _refuse(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {
                "size": round(upload.size / 1024 / 1024, 1),
                "limit": round(max_bytes / 1024 / 1024, 1),
            },
            "too_large",
        )
    data = upload.read()
    with warnings.catch_warnings():
        # Pillow only warns between its limit and twice its limit; here
        # anything over the limit is refused.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            width, height = image.size
            if width * height > max_pixels:
                _refuse(_pixel_message(width, height, max_pixels), "too_many_pixels")
            # Counting frames reads their headers only; each one decoded is
            # a whole canvas, so an animation's frames share the budget.
            count = getattr(image, "n_frames", 1)
            if width * height * count > max_pixels:
                _refuse(
                    _(
                        "The animation has %(count)s frames of %(width)s × "
                        "%(height)s pixels; all frames together may have at "
                        "most %(limit)s megapixels."
                    )
                    % {
                        "count": count,
                        "width": width,
                        "height": height,
                        "limit": max_pixels // 1_000_000,
                    },
                    "too_many_frames",
                )
            image.load()
            source_format = image.format
            frames = _frames(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            _refuse(_pixel_message(None, None, max_pixels), "too_many_pixels")
        except UnidentifiedImageError:
            _refuse(
                _("This file is not a JPEG, PNG, WebP or GIF image."), "not_an_image"
            )
        except (OSError, SyntaxError, ValueError):
            _refuse(
                _("The image is damaged or incomplete and cannot be read."),
                "damaged",
            )
    if _smuggles_code(data, source_format):
        _refuse(
            _(
                "This image also contains web page or script code, so it "
                "cannot be accepted. Export it again from an image editor."
            ),
            "polyglot",
        )
    content = _encode(frames, source_format, image.info)
    return ContentFile(content, name=f"{uuid.uuid4().hex}.{FORMATS[source_format]}")


ACTIVE_CONTENT = re.compile(
    rb"<\s*(?:script|html|body|iframe|object|embed|svg|\?php)|javascript:", re.I
)


def _smuggles_code(data, source_format):
    """
    True when the file carries markup or script (anywhere), bytes after the
    image's own end, or a GIF header that opens a script comment (the
    GIF/JavaScript polyglot trick).
    """
    if ACTIVE_CONTENT.search(data):
        return True
    end = _image_end(data, source_format)
    if end is None:
        return False
    return bool(data[end:].strip(b"\x00\r\n\t "))


def _image_end(data, source_format):
    """Return the offset where the image's own data ends, or None."""
    if source_format == "JPEG":
        end = data.rfind(b"\xff\xd9")
        return end + 2 if end >= 0 else None
    if source_format == "PNG":
        end = data.rfind(b"IEND")
        return end + 8 if end >= 0 else None
    if source_format == "WEBP":
        return 8 + int.from_bytes(data[4:8], "little")
    if source_format == "GIF":
        return _gif_end(data)
    return None


def _gif_end(data):
    """Walk a GIF's blocks; return the offset after its trailer byte."""
    if data[6:8] == b"/*":
        return 0  # Width bytes spelling "/*": a script in disguise.
    position = 13
    flags = data[10]
    if flags & 0x80:
        position += 3 * (2 ** ((flags & 0x07) + 1))

    def skip_sub_blocks(position):
        while position < len(data) and data[position]:
            position += data[position] + 1
        return position + 1

    while position < len(data):
        block = data[position]
        if block == 0x3B:  # Trailer.
            return position + 1
        if block == 0x21:  # Extension: label, then sub-blocks.
            position = skip_sub_blocks(position + 2)
        elif block == 0x2C:  # Image: descriptor, colour table, LZW data.
            local = data[position + 9]
            position += 10
            if local & 0x80:
                position += 3 * (2 ** ((local & 0x07) + 1))
            position = skip_sub_blocks(position + 1)
        else:
            return position
    return len(data)


def _pixel_message(width, height, max_pixels):
    if width is None:
        return _(
            "The image is too large in pixels (more than %(limit)s megapixels)."
        ) % {"limit": max_pixels // 1_000_000}
    return _(
        "The image is %(width)s × %(height)s pixels; the limit is %(limit)s megapixels."
    ) % {"width": width, "height": height, "limit": max_pixels // 1_000_000}


def _frames(image):
    """Return the decoded frames, upright, as new images without metadata."""
    frames = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        frame = ImageOps.exif_transpose(image.copy()) if index == 0 else image.copy()
        frame.info = {}
        frames.append(frame)
    return frames


def _encode(frames, source_format, info):
    """Encode frames from pixels only: no EXIF, XMP or comments survive."""
    first = frames[0]
    out = io.BytesIO()
    if source_format == "JPEG":
        first.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    elif source_format == "PNG":
        first.save(out, "PNG", optimize=True)
    elif source_format == "WEBP":
        first.save(out, "WEBP", quality=85)
    else:
        first.save(
            out,
            "GIF",
            save_all=len(frames) > 1,
            append_images=frames[1:],
            loop=info.get("loop", 0),
            duration=info.get("duration", 100),
        )
    return out.getvalue()
