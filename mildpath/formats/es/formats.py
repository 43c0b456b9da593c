"""Spanish: dates as Django writes them ("5 de abril de 1950"); a short day for a
calendar strip ("25 nov").

Times on the 12-hour clock, as Django's Spanish catalog writes it ("8 a.m.",
"4:15 p.m.", "mediodía"), like the English pages and the call-back form ("de 8 a.m. a
mediodía"): Django's own Spanish "16:15" is easy to misread by someone who says "las 4 de
la tarde". Machine formats (<input type=time>, ISO strings, ICS) do not use these."""

TIME_FORMAT = "P"
# A comma, not Django's "a las": "a las" is wrong before "1:30 p.m." or "mediodía".
DATETIME_FORMAT = r"j \d\e F \d\e Y, P"
SHORT_DATETIME_FORMAT = "d/m/Y P"
MONTH_DAY_FORMAT = "j b"
