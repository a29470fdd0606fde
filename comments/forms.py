import time

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from clinic.addresses import validate_web_url

from . import privacy
from .models import Comment

TIMESTAMP_SALT = "comments.form-timestamp"


def form_token(article_pk):
    """Return a signed token recording when the form was shown."""
    return signing.dumps({"a": article_pk, "t": int(time.time())}, salt=TIMESTAMP_SALT)


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        max_length=Comment.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write your comment first.")},
    )
    author_name = forms.CharField(
        label=_("Name"),
        max_length=80,
        error_messages={"required": _("Tell us what to call you.")},
    )
    author_email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("Never shown. Used only to contact you about your comment."),
        error_messages={"required": _("An email address is needed.")},
    )
    author_url = forms.URLField(
        label=_("Website"),
        required=False,
        max_length=300,
        assume_scheme="https",
        validators=[validate_web_url],
    )
    remember = forms.BooleanField(
        label=_(
            "Save my name, email, and website in this browser for the next time "
            "I comment."
        ),
        required=False,
    )
    notify_replies = forms.BooleanField(
        label=_("Email me replies to my comment."), required=False
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    token = forms.CharField(widget=forms.HiddenInput)
    # A field people never see; bots fill it in.
    homepage = forms.CharField(
        label=_("Leave this field empty"), required=False, max_length=200
    )

    def __init__(self, *args, article, **kwargs):
        self.article = article
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", form_token(article.pk))

    def clean(self):
        data = super().clean()
        if data.get("homepage"):
            raise forms.ValidationError(
                _("Your comment could not be accepted."), code="honeypot"
            )
        try:
            signed = signing.loads(
                data.get("token", ""),
                salt=TIMESTAMP_SALT,
                max_age=settings.CLINIC_COMMENT_MAX_AGE,
            )
        except signing.SignatureExpired:
            raise forms.ValidationError(
                _("This form has expired. Please send your comment again."),
                code="expired",
            ) from None
        except signing.BadSignature:
            raise forms.ValidationError(
                _("This form was changed and cannot be accepted. Please try again."),
                code="tampered",
            ) from None
        if signed.get("a") != self.article.pk:
            raise forms.ValidationError(
                _("This form belongs to another article."), code="tampered"
            )
        if time.time() - signed.get("t", 0) < settings.CLINIC_COMMENT_MIN_SECONDS:
            raise forms.ValidationError(
                _("That was very fast. Please check your comment and send it again."),
                code="too_fast",
            )
        return data


class PrivacyRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        help_text=_("The address you gave when you commented."),
    )
    action = forms.ChoiceField(
        label=_("What would you like?"),
        choices=(
            (privacy.EXPORT, _("A copy of everything stored about me, by email")),
            (privacy.ERASE, _("Erase everything stored about me")),
        ),
        widget=forms.RadioSelect,
        initial=privacy.EXPORT,
    )
