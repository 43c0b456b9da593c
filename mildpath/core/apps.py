from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mildpath.core"
    label = "core"
