"""CDK template assertions for the Jiping stack (one synth per session, see conftest.py)."""
