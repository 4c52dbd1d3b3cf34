"""The GeoDjango app: stores and versions each city's data, and ties the pure packages together."""
