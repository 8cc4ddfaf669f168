"""The plugins written in the tutorial (docs/guide/plugins-tutorial.md); tests/test_docs.py runs them."""
