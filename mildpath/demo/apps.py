from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The fictional demo practice, above every app it fills (``manage.py load_demo``)."""

    name = "mildpath.demo"
    label = "demo"
