"""One rule per module; the registry finds them (adding a rule means adding a file)."""
