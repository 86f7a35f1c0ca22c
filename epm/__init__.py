"""OpenEPM: enterprise project management for IT delivery companies."""
