from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "mildpath.accounts"
    label = "accounts"
    verbose_name = _("Staff accounts")

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from mildpath.accounts.lockout import user_locked_out as email_the_owner

        user_locked_out.connect(email_the_owner, dispatch_uid="mildpath.accounts.lockout")
