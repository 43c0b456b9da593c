from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mildpath.core"
    label = "core"

    def ready(self) -> None:
        from mildpath.core import checks  # noqa: F401 - registers the system checks
