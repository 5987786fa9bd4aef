"""Peer-review assignment: the allocation library and the course-level workflow around it."""
