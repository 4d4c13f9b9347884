"""The quality system: ISO 9001 procedures, the records that prove them, retention.

Builds on `archive` only. The procedure registry and document links arrive with the ISO issue.
"""
