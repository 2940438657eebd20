"""The Rocky debate shipped in data/, which every test server starts with."""

ROCKY_SLUG = "rocky-training-montages"
#: Its six films in the author's order; tests/test_catalog.py checks data/ says the same.
ROCKY_TITLES = ("Rocky IV", "Rocky II", "Rocky III", "Rocky", "Rocky Balboa", "Rocky V")
IV, II, III, ROCKY_I, BALBOA, V = ROCKY_TITLES
