"""Documents, segments and bitexts; ingestion and the project store."""
