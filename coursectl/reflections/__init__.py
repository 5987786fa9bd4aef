"""Weekly reflections: fetch each student's file (GitHub or a folder), count words, judge it.

`source` is the contract between the sources (`local`, `integrations.github`) and the pure checker (`check`).
"""
