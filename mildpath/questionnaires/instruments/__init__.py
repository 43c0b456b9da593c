"""The practice's outcome instruments as versioned data, and a pure loader.

Each shipped instrument version is one JSON file next to this module, named
``<code>-<version>.json``. ``from_dict`` turns such a mapping into frozen dataclasses
and refuses anything malformed with a ValueError naming the instrument, the item
and the rule broken. ``with_text`` applies a practice's licensed wording file (one
language, any subset of items) without letting it change the structure.

Each instrument has two names: ``title``, its official name (licensed wording may
replace it; staff pages show it), and ``plain_title``, the practice's warm words that
head the patient's pages, so a worried patient reads "How your back affects daily
life" before "Oswestry Disability Index".

No Django here: the scoring, the forms and the management commands build on this.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib.resources import files
from types import MappingProxyType

LANGUAGES: tuple[str, ...] = ("en", "es")
KINDS: frozenset[str] = frozenset({"choice", "number", "flag"})
SCORINGS: frozenset[str] = frozenset({"odi_percent", "zcq_means", "nrs", "minutes", "feet"})


@dataclass(frozen=True)
class Option:
    value: int
    text: dict[str, str]


@dataclass(frozen=True)
class Item:
    code: str
    kind: str
    text: dict[str, str]
    help: dict[str, str]
    options: tuple[Option, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    unit: str = ""
    subscale: str = ""
    required: bool = True
    after_treatment_only: bool = False


@dataclass(frozen=True)
class Instrument:
    code: str
    version: str
    title: dict[str, str]  # the official name: staff pages, and the line under a heading
    plain_title: dict[str, str]  # what a patient's pages are headed with
    intro: dict[str, str]
    scoring: str
    loinc: dict[str, str]
    licence: str
    placeholder_text: bool
    items: tuple[Item, ...]
    screens: tuple[tuple[str, ...], ...]

    def item(self, code: str) -> Item:
        """The item with this code; KeyError when there is none."""
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(f"{self.code} {self.version} has no item {code!r}")


# --- Validation helpers -------------------------------------------------------------

_INSTRUMENT_KEYS = frozenset(
    {
        "code",
        "version",
        "title",
        "plain_title",
        "intro",
        "scoring",
        "loinc",
        "licence",
        "placeholder_text",
        "items",
        "screens",
    }
)
_ITEM_KEYS = frozenset(
    {
        "code",
        "kind",
        "text",
        "help",
        "options",
        "minimum",
        "maximum",
        "unit",
        "subscale",
        "required",
        "after_treatment_only",
    }
)
_OPTION_KEYS = frozenset({"value", "text"})


def _mapping(where: str, value: object) -> Mapping[str, object]:
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        raise ValueError(f"{where}: must be an object with string keys")
    return value


def _list(where: str, value: object) -> list[object]:
    if not isinstance(value, list | tuple):
        raise ValueError(f"{where}: must be a list")
    return list(value)


def _str(where: str, value: object, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{where}: must be a string")
    if not allow_empty and not value.strip():
        raise ValueError(f"{where}: must not be empty")
    return value


def _int(where: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{where}: must be an integer")
    return value


def _bool(where: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{where}: must be true or false")
    return value


def _no_unknown_keys(where: str, data: Mapping[str, object], allowed: frozenset[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}")


def _required(where: str, data: Mapping[str, object], key: str) -> object:
    if key not in data:
        raise ValueError(f"{where}: missing {key!r}")
    return data[key]


def _texts(where: str, value: object, *, allow_empty: bool = False) -> dict[str, str]:
    """A text per language: exactly "en" and "es"."""
    data = _mapping(where, value)
    for language in LANGUAGES:
        if language not in data:
            raise ValueError(f"{where}: missing {language!r} text")
    extra = sorted(set(data) - set(LANGUAGES))
    if extra:
        raise ValueError(f"{where}: unsupported language(s) {', '.join(map(repr, extra))}")
    return {
        language: _str(f"{where} [{language}]", data[language], allow_empty=allow_empty)
        for language in LANGUAGES
    }


def _option(where: str, value: object) -> Option:
    data = _mapping(where, value)
    _no_unknown_keys(where, data, _OPTION_KEYS)
    number = _int(f"{where}: value", _required(where, data, "value"))
    text = _texts(f"{where} value {number}: text", _required(where, data, "text"))
    return Option(value=number, text=text)


def _item(instrument: str, index: int, value: object) -> Item:
    data = _mapping(f"{instrument}: item #{index + 1}", value)
    code = _str(f"{instrument}: item #{index + 1}: code", data.get("code"))
    where = f"{instrument}: item {code!r}"
    _no_unknown_keys(where, data, _ITEM_KEYS)

    kind = _str(f"{where}: kind", _required(where, data, "kind"))
    if kind not in KINDS:
        raise ValueError(f"{where}: kind {kind!r} is not one of {', '.join(sorted(KINDS))}")
    text = _texts(f"{where}: text", _required(where, data, "text"))
    help_text = _texts(
        f"{where}: help", data.get("help", dict.fromkeys(LANGUAGES, "")), allow_empty=True
    )

    options = tuple(
        _option(f"{where}: option #{number + 1}", option)
        for number, option in enumerate(_list(f"{where}: options", data.get("options", [])))
    )
    minimum = data.get("minimum")
    maximum = data.get("maximum")
    low = None if minimum is None else _int(f"{where}: minimum", minimum)
    high = None if maximum is None else _int(f"{where}: maximum", maximum)

    if kind == "choice":
        if not options:
            raise ValueError(f"{where}: a choice item needs options")
        values = [option.value for option in options]
        duplicates = sorted({value for value in values if values.count(value) > 1})
        if duplicates:
            raise ValueError(f"{where}: duplicate option value(s) {duplicates}")
    elif options:
        raise ValueError(f"{where}: only a choice item has options, not a {kind} item")

    if kind == "number":
        if low is None or high is None:
            raise ValueError(f"{where}: a number item needs a minimum and a maximum")
        if low > high:
            raise ValueError(f"{where}: minimum {low} is above maximum {high}")
    elif low is not None or high is not None:
        raise ValueError(f"{where}: only a number item has a minimum and maximum")

    unit = _str(f"{where}: unit", data.get("unit", ""), allow_empty=True)
    if unit and kind != "number":
        raise ValueError(f"{where}: only a number item has a unit")

    return Item(
        code=code,
        kind=kind,
        text=text,
        help=help_text,
        options=options,
        minimum=low,
        maximum=high,
        unit=unit,
        subscale=_str(f"{where}: subscale", data.get("subscale", ""), allow_empty=True),
        required=_bool(f"{where}: required", data.get("required", True)),
        after_treatment_only=_bool(
            f"{where}: after_treatment_only", data.get("after_treatment_only", False)
        ),
    )


def _plain_title(where: str, data: Mapping[str, object]) -> object:
    if "plain_title" not in data:
        raise ValueError(
            f"{where}: missing 'plain_title', the plain words (in 'en' and 'es') that head "
            "the patient's pages instead of the official name in 'title'"
        )
    return data["plain_title"]


def _screens(where: str, value: object, items: tuple[Item, ...]) -> tuple[tuple[str, ...], ...]:
    known = {item.code for item in items}
    seen: set[str] = set()
    screens: list[tuple[str, ...]] = []
    for number, screen in enumerate(_list(f"{where}: screens", value), start=1):
        codes = tuple(
            _str(f"{where}: screen {number}", code) for code in _list(f"{where}: screen", screen)
        )
        if not codes:
            raise ValueError(f"{where}: screen {number} is empty")
        for code in codes:
            if code not in known:
                raise ValueError(f"{where}: screen {number} names unknown item {code!r}")
            if code in seen:
                raise ValueError(f"{where}: item {code!r} is on more than one screen")
            seen.add(code)
        screens.append(codes)
    missing = [item.code for item in items if item.code not in seen]
    if missing:
        raise ValueError(f"{where}: item(s) {', '.join(map(repr, missing))} on no screen")
    return tuple(screens)


def from_dict(data: Mapping[str, object]) -> Instrument:
    """Build and validate an instrument; ValueError names the instrument, item and rule."""
    data = _mapping("instrument", data)
    code = _str("instrument: code", data.get("code"))
    version = _str(f"{code}: version", data.get("version"))
    where = f"{code} {version}"
    _no_unknown_keys(where, data, _INSTRUMENT_KEYS)

    scoring = _str(f"{where}: scoring", _required(where, data, "scoring"))
    if scoring not in SCORINGS:
        raise ValueError(
            f"{where}: scoring {scoring!r} is not one of {', '.join(sorted(SCORINGS))}"
        )
    loinc_data = _mapping(f"{where}: loinc", data.get("loinc", {}))
    loinc = {key: _str(f"{where}: loinc {key!r}", value) for key, value in loinc_data.items()}

    items = tuple(
        _item(where, index, item)
        for index, item in enumerate(_list(f"{where}: items", _required(where, data, "items")))
    )
    if not items:
        raise ValueError(f"{where}: has no items")
    codes = [item.code for item in items]
    duplicates = sorted({item for item in codes if codes.count(item) > 1})
    if duplicates:
        raise ValueError(f"{where}: duplicate item code(s) {', '.join(map(repr, duplicates))}")

    return Instrument(
        code=code,
        version=version,
        title=_texts(f"{where}: title", _required(where, data, "title")),
        plain_title=_texts(f"{where}: plain_title", _plain_title(where, data)),
        intro=_texts(f"{where}: intro", _required(where, data, "intro")),
        scoring=scoring,
        loinc=loinc,
        licence=_str(f"{where}: licence", _required(where, data, "licence")),
        placeholder_text=_bool(
            f"{where}: placeholder_text", _required(where, data, "placeholder_text")
        ),
        items=items,
        screens=_screens(where, _required(where, data, "screens"), items),
    )


# --- Shipped instruments ---------------------------------------------------------------


def _version_key(version: str) -> tuple[tuple[int, str], ...]:
    """ "2.1a" -> ((2, ""), (1, "a")): numeric parts compare as numbers, "2.1" < "2.1a"."""
    parts = []
    for part in version.split("."):
        digits = "".join(itertools.takewhile(lambda char: char in "0123456789", part))
        parts.append((int(digits) if digits else -1, part[len(digits) :]))
    return tuple(parts)


@functools.cache
def _builtin() -> Mapping[tuple[str, str], Instrument]:
    found: dict[tuple[str, str], Instrument] = {}
    for resource in sorted(files(__name__).iterdir(), key=lambda entry: entry.name):
        if not resource.name.endswith(".json"):
            continue
        try:
            data = json.loads(resource.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{resource.name}: not valid JSON: {exc}") from exc
        instrument = from_dict(_mapping(resource.name, data))
        expected = f"{instrument.code}-{instrument.version}.json"
        if resource.name != expected:
            raise ValueError(
                f"{resource.name}: holds {instrument.code} {instrument.version}, "
                f"so it must be named {expected}"
            )
        found[(instrument.code, instrument.version)] = instrument
    return MappingProxyType(found)


def load_builtin() -> dict[tuple[str, str], Instrument]:
    """Every shipped instrument version, keyed by (code, version)."""
    return dict(_builtin())


def get(code: str, version: str) -> Instrument:
    """One shipped instrument version; KeyError when it is not shipped."""
    try:
        return _builtin()[(code, version)]
    except KeyError:
        raise KeyError(f"no instrument {code!r} version {version!r} is shipped") from None


def latest(code: str) -> Instrument:
    """The highest shipped version of an instrument; KeyError when none is shipped."""
    versions = [instrument for (found, _), instrument in _builtin().items() if found == code]
    if not versions:
        raise KeyError(f"no instrument {code!r} is shipped")
    return max(versions, key=lambda instrument: _version_key(instrument.version))


# --- Licensed wording ----------------------------------------------------------------------

_WORDING_KEYS = frozenset({"instrument", "version", "language", "title", "intro", "items"})
_WORDING_ITEM_KEYS = frozenset({"text", "help", "options"})


def _with_language(texts: dict[str, str], language: str, text: str) -> dict[str, str]:
    return {**texts, language: text}


def with_text(instrument: Instrument, text: Mapping[str, object]) -> Instrument:
    """A copy of the instrument in the practice's licensed wording for one language.

    The file is ``{"instrument", "version", "language", "title"?, "intro"?, "items"?:
    {item code: {"text"?, "help"?, "options"?: {"<value>": text}}}}``. It may reword
    any subset of items; it may not add items or option values (ValueError).
    """
    where = f"wording for {instrument.code} {instrument.version}"
    data = _mapping(where, text)
    _no_unknown_keys(where, data, _WORDING_KEYS)
    named = _str(f"{where}: instrument", _required(where, data, "instrument"))
    version = _str(f"{where}: version", _required(where, data, "version"))
    if (named, version) != (instrument.code, instrument.version):
        raise ValueError(f"{where}: the file is for {named} {version}")
    language = _str(f"{where}: language", _required(where, data, "language"))
    if language not in LANGUAGES:
        raise ValueError(f"{where}: unsupported language {language!r}")
    where = f"{where} [{language}]"

    title = instrument.title
    if "title" in data:
        title = _with_language(title, language, _str(f"{where}: title", data["title"]))
    intro = instrument.intro
    if "intro" in data:
        intro = _with_language(intro, language, _str(f"{where}: intro", data["intro"]))

    wording = _mapping(f"{where}: items", data.get("items", {}))
    known = {item.code for item in instrument.items}
    unknown = sorted(set(wording) - known)
    if unknown:
        raise ValueError(
            f"{where}: unknown item(s) {', '.join(map(repr, unknown))}; "
            "a wording file cannot add items"
        )

    items = []
    for item in instrument.items:
        if item.code not in wording:
            items.append(item)
            continue
        at = f"{where}: item {item.code!r}"
        entry = _mapping(at, wording[item.code])
        _no_unknown_keys(at, entry, _WORDING_ITEM_KEYS)
        changed = item
        if "text" in entry:
            new_text = _str(f"{at}: text", entry["text"])
            changed = replace(changed, text=_with_language(item.text, language, new_text))
        if "help" in entry:
            new_help = _str(f"{at}: help", entry["help"], allow_empty=True)
            changed = replace(changed, help=_with_language(item.help, language, new_help))
        if "options" in entry:
            option_texts = _mapping(f"{at}: options", entry["options"])
            values = {str(option.value) for option in item.options}
            extra = sorted(set(option_texts) - values)
            if extra:
                raise ValueError(
                    f"{at}: unknown option value(s) {', '.join(map(repr, extra))}; "
                    "a wording file cannot add options"
                )
            changed = replace(
                changed,
                options=tuple(
                    replace(
                        option,
                        text=_with_language(
                            option.text,
                            language,
                            _str(f"{at}: option {option.value}", option_texts[str(option.value)]),
                        ),
                    )
                    if str(option.value) in option_texts
                    else option
                    for option in item.options
                ),
            )
        items.append(changed)

    return replace(instrument, title=title, intro=intro, items=tuple(items), placeholder_text=False)
