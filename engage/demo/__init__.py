"""Seeded, dependency-free generator of fictional demo data for Engage."""
