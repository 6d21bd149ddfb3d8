"""Lambda-compatible functions: warm worker processes, the Runtime API and the Invoke API."""
