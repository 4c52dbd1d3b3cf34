"""Readers and validation for a city's inputs.

Plain Python over files, GeoDataFrames and graphs: this package never imports Django. Every reader returns
validated rows and reports every rejected row (file, row, field, reason) in a :class:`RejectReport`.
"""
