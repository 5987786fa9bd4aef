"""The gradebook: Gradescope exports, reflections, peer reviews, self-assessments and the
survey, matched to the roster and weighted by rubrics/grading-policy.yaml.

Pipeline (each step a plain function, no printing): `inputs` reads every input into
per-source tables of matched rows, `compute` turns them into per-student item results,
weighted categories and totals, `sheets` writes gradebook.csv, the Canvas import and the
per-student explanation. Importing this package imports nothing heavy; the submodules use pandas.
"""
