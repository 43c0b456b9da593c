"""The chart's forms, one module per part of the record."""
