"""贴息 (interest subsidy) and fee subsidies: the policy as data (policy.py), the 1-year LPR (lpr.py),
the calculation with its Chinese explanations (calc.py, pure), the first-time invention test
(firsts.py), the figures read from the store (figures.py), the claim workflow (workflow.py) and the
public list documents (documents.py)."""
