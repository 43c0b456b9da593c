from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
]
# English at /, Spanish at /es/: a link, a bookmark or a printed URL always opens in
# the language it was shared in.
urlpatterns += i18n_patterns(
    path("", include("mildpath.site.urls")),
    prefix_default_language=False,
)
