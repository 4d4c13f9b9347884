"""The core: settings, database, models, original storage, Vietnamese text rules, the event trail.

Everything else in sohoa builds on this package; it imports nothing from the other layers.
"""
