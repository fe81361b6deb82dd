"""Violation rules: from tracked detections over zones and time to violations."""
