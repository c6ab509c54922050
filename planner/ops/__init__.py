"""The ops layer: read-only tools that know the AI stack (GPUs, jobs, inference endpoints, pipeline runs, plus
check, drift, preflight and explain), shared by `stackplan status`, `stackplan mcp` (an MCP server) and `stackplan ask`.

Each tool is a function over the cluster reader `check` uses (one LIST per kind, never Secrets) returning plain
data; `planner.ops.tools` registers them with their JSON Schemas and masks credentials in every answer.
"""
