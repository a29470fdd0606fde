from django import forms
from django.utils.translation import gettext_lazy as _

from .images import clean_image
from .models import Image


class ImageForm(forms.ModelForm):
    """Uploads an image; the stored file is the re-encoded one."""

    # A plain file field: Django's ImageField would hand the upload to any
    # Pillow decoder before ours restricts the formats.
    file = forms.FileField(label=_("file"))

    class Meta:
        model = Image
        fields = ("file", "title")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload and not getattr(upload, "_committed", False):
            # A new upload; an unchanged file on edit is already clean.
            return clean_image(upload)
        return upload


class UploadForm(forms.Form):
    """The CKEditor 5 image upload: one file in the field "upload"."""

    upload = forms.FileField(
        error_messages={"required": _("Choose an image to upload.")}
    )

    def clean_upload(self):
        return clean_image(self.cleaned_data["upload"])
