"""Spanish: dates as Django writes them ("5 de abril de 1950"); a short day for a
calendar strip ("25 nov")."""

MONTH_DAY_FORMAT = "j b"
