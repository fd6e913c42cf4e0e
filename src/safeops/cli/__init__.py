"""The command line: thin commands over workflows, one console, one error boundary."""
