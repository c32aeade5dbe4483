"""The terms as rules: business days, periods, deadlines, fees.

Pure functions that need only the standard library and `holidays` (an import-linter contract).
"""
