"""Health checks: one module per check, registered by id in registry.py, run by runner.py.

`run_checks(plan, reader, components=None) -> Report` is the entry point (the CLI and the apply
helper's end-to-end tests call it).
"""
