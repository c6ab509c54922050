"""Renderers: turn values (plans, reports) into text for people and machines."""
