"""Supervision visits (督导), checklists, issues and their fixes, reminders and warnings."""
