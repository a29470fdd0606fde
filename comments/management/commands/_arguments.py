import argparse

from django.core.exceptions import ValidationError
from django.core.validators import validate_email


def email_address(value):
    """An argparse type: the value, if it is an email address."""
    try:
        validate_email(value)
    except ValidationError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an email address."
        ) from None
    return value
