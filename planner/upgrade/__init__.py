"""`stackplan upgrade`: upgrade facts (facts.py), the pure upgrade planner (plan.py), its rendering."""
