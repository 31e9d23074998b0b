"""Sentence alignment: `dp` (the pure search), `scorers` (length, embedding, translation),
`embed` (embedders and their cache), `gold` (the gold format and its scores), `aligner` (inputs,
anchors, review flags) and `cli` (`diglot align`)."""
