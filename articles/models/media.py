"""Uploaded pictures and their renditions."""

from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from imagekit.models import ImageSpecField
from pilkit.processors import ResizeToFit

from ..richtext import FORMATTER

#: Widths of the renditions made for every image, in pixels.
RENDITION_WIDTHS = (480, 960, 1600)
#: How wide a picture in an article's body is drawn: the text column
#: (site.css) on a wide screen, else the screen.
BODY_IMAGE_SIZES = "(min-width: 48rem) 42rem, 100vw"


class Image(models.Model):
    """An uploaded picture, stored re-encoded without metadata."""

    file = models.ImageField(
        _("file"),
        upload_to="images/%Y/%m/",
        width_field="width",
        height_field="height",
    )
    width = models.PositiveIntegerField(_("width"), editable=False)
    height = models.PositiveIntegerField(_("height"), editable=False)
    title = models.CharField(
        _("title"),
        max_length=200,
        blank=True,
        help_text=_("For finding the image in the admin; not shown to readers."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    jpeg_480 = ImageSpecField(
        source="file", processors=[ResizeToFit(480, upscale=False)], format="JPEG"
    )
    jpeg_960 = ImageSpecField(
        source="file", processors=[ResizeToFit(960, upscale=False)], format="JPEG"
    )
    jpeg_1600 = ImageSpecField(
        source="file", processors=[ResizeToFit(1600, upscale=False)], format="JPEG"
    )
    webp_480 = ImageSpecField(
        source="file", processors=[ResizeToFit(480, upscale=False)], format="WEBP"
    )
    webp_960 = ImageSpecField(
        source="file", processors=[ResizeToFit(960, upscale=False)], format="WEBP"
    )
    webp_1600 = ImageSpecField(
        source="file", processors=[ResizeToFit(1600, upscale=False)], format="WEBP"
    )

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("image")
        verbose_name_plural = _("images")
        constraints = (
            models.CheckConstraint(
                condition=Q(width__gt=0, height__gt=0), name="image_has_size"
            ),
        )

    def __str__(self):
        return self.title or self.file.name.rsplit("/", 1)[-1]

    def renditions(self, fmt):
        """
        Return [(url, width, height)] for format "webp" or "jpeg", smallest
        first, computed without touching storage or the database.
        """
        result = []
        for width in RENDITION_WIDTHS:
            spec = getattr(self, f"{fmt}_{width}")
            if width >= self.width:
                result.append((spec.url, self.width, self.height))
                break
            height = max(1, round(self.height * width / self.width))
            result.append((spec.url, width, height))
        return result

    def srcset(self, fmt):
        """Return the `srcset` attribute value for format "webp" or "jpeg"."""
        return ", ".join(f"{url} {width}w" for url, width, _ in self.renditions(fmt))

    @property
    def srcset_webp(self):
        return self.srcset("webp")

    @property
    def srcset_jpeg(self):
        return self.srcset("jpeg")


def with_renditions(html):
    """
    Return an article body's HTML with each picture of the image library
    served as a featured image is: a <picture> of WebP and JPEG renditions
    that the browser picks from by width, with the image's own width and
    height, loaded when scrolled to. Pictures from elsewhere stay as they
    are. One query, for the body's pictures together.
    """
    if "<img" not in html:
        return html
    soup = BeautifulSoup(html, "html.parser")
    media = urlsplit(default_storage.url(""))
    pictures = []
    for img in soup.find_all("img", src=True):
        src = urlsplit(img["src"])
        # Ours: a path on this site, or an address on the media store's host.
        here = not src.netloc or (src.scheme, src.netloc) == (
            media.scheme,
            media.netloc,
        )
        if here and src.path.startswith(media.path) and not img.find_parent("picture"):
            pictures.append((img, unquote(src.path[len(media.path) :])))
    if not pictures:
        return html
    found = {
        image.file.name: image
        for image in Image.objects.filter(file__in={name for _, name in pictures})
    }
    for img, name in pictures:
        image = found.get(name)
        if image is None:
            continue
        jpeg = image.renditions("jpeg")
        img["src"] = jpeg[min(1, len(jpeg) - 1)][0]
        img["srcset"] = image.srcset_jpeg
        img["sizes"] = BODY_IMAGE_SIZES
        img["width"], img["height"] = str(image.width), str(image.height)
        img["loading"] = "lazy"
        img["decoding"] = "async"
        picture = soup.new_tag("picture")
        img.wrap(picture)
        picture.insert(
            0,
            soup.new_tag(
                "source",
                attrs={
                    "type": "image/webp",
                    "srcset": image.srcset_webp,
                    "sizes": BODY_IMAGE_SIZES,
                },
            ),
        )
    return soup.decode(formatter=FORMATTER)
