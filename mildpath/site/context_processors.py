from __future__ import annotations

from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language

from mildpath.practice.queries import practice_current
from mildpath.site.urls import NAV_LABELS

# Each language's switch is written in its own language, so a reader who cannot read
# the current page can still find theirs.
OTHER_LANGUAGE = {
    "en": ("es", "Español"),
    "es": ("en", "English"),
}


def site(request: HttpRequest) -> dict[str, object]:
    language = (get_language() or "en")[:2]
    other_code, other_name = OTHER_LANGUAGE.get(language, OTHER_LANGUAGE["en"])
    other_url = translate_url(request.get_full_path(), other_code)
    match = getattr(request, "resolver_match", None)
    return {
        "practice": practice_current(),
        "nav": [(f"site:{name}", label) for name, label in NAV_LABELS.items()],
        "current_url_name": match.view_name if match else "",
        "other_language": {"code": other_code, "name": other_name, "url": other_url},
    }
