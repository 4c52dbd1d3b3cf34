"""layers: accessibility indicators, inequality, siting and exports — plain Python, never imports Django.

Inputs are the shared frame contracts (:mod:`data_sources.contracts`): a travel-time table ``from_id, to_id,
travel_time`` (seconds), an opportunities frame (``id``, ``category``, ``capacity``) and origins with youth counts.
"""
