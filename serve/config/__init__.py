"""Leaf configuration types that every part of the service reads: settings and cameras."""
