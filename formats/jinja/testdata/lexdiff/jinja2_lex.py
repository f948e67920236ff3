"""Tokenize templates with Jinja2's own lexer, for lexer_diff_test.go.

Reads a JSON list of template sources on stdin and writes a JSON list with,
for each, the tokens Lexer.tokeniter yields ([line, type, value]) and
whether it raised. The environment is the one transformers renders chat
templates with (trim_blocks, lstrip_blocks). Nothing is rendered.
"""
import json
import sys

from jinja2 import Environment

env = Environment(trim_blocks=True, lstrip_blocks=True)
out = []
for src in json.load(sys.stdin):
    toks = []
    err = None
    try:
        for line, typ, val in env.lexer.tokeniter(src, None):
            toks.append([line, typ, val])
    except Exception as e:  # TemplateSyntaxError, RuntimeError
        err = type(e).__name__
    out.append({"tokens": toks, "error": err})
json.dump(out, sys.stdout)
