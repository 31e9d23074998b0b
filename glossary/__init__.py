"""Term bases: consistent terminology during and after translation (its own capability)."""
