"""Render each template named on the command line with an unsandboxed
jinja2.Environment (as CVE-2024-34359-era renderers did) and print one JSON
object mapping file name to the rendered text or the error. The payloads
only read os.name; nothing is executed."""
import json
import sys

from jinja2 import Environment

env = Environment(trim_blocks=True, lstrip_blocks=True)
out = {}
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        src = f.read()
    try:
        out[path] = env.from_string(src).render(messages=[{"role": "XXglobalsXX".replace("X", "_"), "content": "XXinitXX".replace("X", "_")}])
    except Exception as e:
        out[path] = "error: %s: %s" % (type(e).__name__, e)
json.dump(out, sys.stdout)
