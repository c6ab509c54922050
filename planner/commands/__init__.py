"""One module per CLI command (or small family of commands); see planner/cli.py for the map."""
