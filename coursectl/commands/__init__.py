"""One module per command: each only parses options, calls one core function, renders the result."""
