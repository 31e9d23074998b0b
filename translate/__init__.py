"""Translation engines behind one protocol, with a lazy registry."""
