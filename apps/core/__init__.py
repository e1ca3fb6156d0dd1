"""Helpers with no rule of the portal in them. The lowest layer: imports no other app."""
