"""Emails to a staff member about their own account: a new account, a change an
administrator made, a lockout. Each tells the owner what happened, when, from where and
why, so a change they did not expect is noticed by the one person sure to notice it.

They are sent with Django's ``send_mail`` inside the change's transaction, last: a mail
server that refuses the message rolls the change back, so an account is never changed
without its owner being told. (The outbox that patients' messages use lives in
``scheduling``, above this app.)

Staff have no language preference yet, so the emails are written in the practice's
default language.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.functional import Promise
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from mildpath.audit.actor import Actor
from mildpath.practice.queries import practice_current

SUBJECTS: dict[str, Promise] = {
    "create": _("Your staff account"),
    "role": _("Your role was changed"),
    "locations": _("Your locations were changed"),
    "deactivate": _("Your staff account was deactivated"),
    "reactivate": _("Your staff account was reactivated"),
    "reset_password": _("Choose a new password"),
    "reset_mfa": _("Your two-step sign-in was reset"),
    "password_set": _("Your password was changed"),
    "locked_out": _("Sign-in to your account was locked"),
}


def set_password_url(user: User) -> str:
    """The one-time link with which the owner chooses a password. It stops working once
    a password is set, when the password is reset again, and after
    ``PASSWORD_RESET_TIMEOUT``."""
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse(
            "accounts:set_password",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
    return settings.MILDPATH_BASE_URL.rstrip("/") + path


def notify_owner(*, user: User, kind: str, actor: Actor | None = None, **context: Any) -> bool:
    """Email the account's owner about ``kind`` (a key of SUBJECTS), naming who did it
    (``actor``) and why. False when the account has no email address to send to."""
    if not user.email:
        return False
    who = ""
    if actor is not None:
        who = (actor.user.get_full_name() if actor.user is not None else "") or actor.name
    with translation.override(settings.LANGUAGE_CODE):
        practice = practice_current()
        subject = f"{practice.name if practice else 'mildpath'}: {SUBJECTS[kind]}"
        body = render_to_string(
            "accounts/email/account_notice.txt",
            {
                "kind": kind,
                "user": user,
                "practice": practice,
                "who": who,
                "reason": actor.reason if actor is not None else "",
                "valid_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
                **context,
            },
        )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True
