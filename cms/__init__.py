"""Presentation: Wagtail pages, blocks, templates and static files. Nothing imports ``cms``."""
