"""Calendar feeds from schedule.yaml: events, the VTIMEZONE, SEQUENCE bookkeeping, RFC 5545 bytes.

Plain functions that take the course model and return data; `coursectl calendar` wires them.
"""
