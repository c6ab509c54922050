"""The AI Conformance evidence checks (ids AC0xx): `Check`s of planner/checks, run by the same runner
over the same ClusterView, each tied to one upstream requirement id. Registered in planner/conformance/registry.py."""
