"""Weekly reflections: fetch each student's file (GitHub or a folder), count words, judge it.

`types` is the contract between the sources (`local`, `github_api`) and the pure checker (`check`).
"""
