"""English: months written out ("April 5, 1950"), never the Associated Press
abbreviations ("Nov. 5") Django uses; a short day for a calendar strip ("Nov 25")."""

DATE_FORMAT = "F j, Y"
DATETIME_FORMAT = "F j, Y, P"
MONTH_DAY_FORMAT = "M j"
