"""The practice's one way of writing dates and times in each language (Django's named
formats: DATE_FORMAT, TIME_FORMAT, ...), where Django's own differ from it. Anything not
set here is Django's format for the language."""
