"""Sentence alignment: pairs sentences of two texts (the aligner lands with its own capability).

The pipeline already records the trivial 1-1 links of sentence-level translation in the store's
`links` table, which is the shape the aligner will write too.
"""
