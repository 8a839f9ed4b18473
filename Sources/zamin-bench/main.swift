// zamin-bench: the spatial-index benchmark (being written; see issue 4).
