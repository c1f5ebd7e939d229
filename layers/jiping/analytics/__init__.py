"""People analytics of one job profile version: is the score valid, is it fair, is it stable?

``validity`` correlates the scores with what the EHR posts back (hire, probation, performance), with
confidence intervals and a range-restriction correction; ``reweighting`` proposes competency weights that
predict an outcome better, checked by nested cross-validation; ``fairness`` computes the NYC Local Law 144
selection and scoring impact ratios per group; ``drift`` compares recent score distributions with a
baseline. ``stats`` holds the formulas (numpy and the standard library only, to fit the Lambda layer) and
``population`` generates synthetic candidates with a known ground truth for the tests and the demo.
"""
