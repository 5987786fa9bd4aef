"""One adapter per outside service (GitHub, Gradescope, CalDAV): the only modules that import its
SDK; each takes and returns the project's own types."""
