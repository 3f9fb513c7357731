"""finalpos-codegen: turns the Final POS OpenAPI description into a Python client package.

Pipeline stages, one module each: fetch → normalize → model → render → check.
"""
