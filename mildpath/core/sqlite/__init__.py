"""Django's SQLite backend with placeholders rewritten once per statement text: see
``base``."""
