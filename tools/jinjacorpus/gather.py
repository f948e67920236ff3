#!/usr/bin/python3
"""Gather real chat templates into formats/jinja/testdata/corpus/.

Reads public repositories already brought onto this machine as bare git
directories (the search tool's fetch puts them under /work/.mirror/), pulls
every chat template they carry, drops duplicates by content and writes one
.jinja file per template plus MANIFEST.tsv with the repository, commit, path
and licence of each. It never touches the network.

    /usr/bin/python3 tools/jinjacorpus/gather.py /work/.mirror formats/jinja/testdata/corpus

Sources (all MIT or Apache-2.0):
  chujiezheng/chat_templates   chat_templates/*.jinja
  ollama/ollama                template/index.json, model/renderers/testdata/*.jinja*
  huggingface/huggingface.js   packages/jinja/test/e2e.test.js (templates of Hub models)
  nomic-ai/gpt4all             gpt4all-chat/src/jinja_replacements.cpp, metadata/models*.json
  contrapuntal/chat-template-patches  **/*.jinja
  abetlen/llama-cpp-python     llama_cpp/llama_chat_format.py module-level *_CHAT_TEMPLATE
  google/minja                 every version of **/*.jinja (third_party/templates/, tests_files/)
  predictionguard/vllm         every version of **/*.jinja in its history (a fork of vllm-project/vllm)
  withcatai/node-llama-cpp     test/standalone/chatWrappers/utils/jinjaTemplates.ts
Earlier versions of ollama's template/index.json and renderer test data
and of huggingface.js's e2e test are read too: each holds templates some
release shipped.
"""
import hashlib
import json
import os
import re
import subprocess
import sys

SOURCES = {
    "chujiezheng/chat_templates": "MIT",
    "ollama/ollama": "MIT",
    "huggingface/huggingface.js": "MIT",
    "nomic-ai/gpt4all": "MIT",
    "contrapuntal/chat-template-patches": "MIT",
    "abetlen/llama-cpp-python": "MIT",
    "google/minja": "MIT",
    "predictionguard/vllm": "Apache-2.0",
    "withcatai/node-llama-cpp": "MIT",
}

# Real templates are a few kilobytes; a corpus entry above this is not a
# chat template.
MAX_BYTES = 64 << 10


def git(gitdir, *args):
    return subprocess.run(["git", "--git-dir", gitdir, *args], check=True, capture_output=True).stdout


def slug(s):
    return re.sub(r"[^A-Za-z0-9._-]+", "-", s).strip("-")[:80] or "template"


class Corpus:
    def __init__(self, out):
        self.out = out
        self.seen = {}
        self.rows = []

    def add(self, repo, commit, path, name, text):
        if not isinstance(text, str) or "{%" not in text and "{{" not in text:
            return
        data = text.encode("utf-8")
        if len(data) > MAX_BYTES:
            return
        digest = hashlib.sha256(data).hexdigest()
        if digest in self.seen:
            return
        fname = "%s--%s.jinja" % (slug(repo.split("/")[0]), slug(name))
        n = 2
        base = fname
        while any(r[0] == fname for r in self.rows):
            fname = base[:-6] + "-%d.jinja" % n
            n += 1
        self.seen[digest] = fname
        with open(os.path.join(self.out, fname), "wb") as f:
            f.write(data)
        self.rows.append((fname, repo, commit, path, SOURCES[repo], digest[:16]))

    def write_manifest(self):
        with open(os.path.join(self.out, "MANIFEST.tsv"), "w") as f:
            f.write("file\trepository\tcommit\tpath\tlicense\tsha256_prefix\n")
            for r in sorted(self.rows):
                f.write("\t".join(r) + "\n")


def files(gitdir, pattern):
    names = git(gitdir, "ls-tree", "-r", "--name-only", "HEAD").decode().splitlines()
    return [n for n in names if re.search(pattern, n)]


def show(gitdir, path):
    return git(gitdir, "show", "HEAD:" + path).decode("utf-8")


def history(gitdir, pathspec, pattern):
    """(commit, path, blob) of every version of the files matching
    pathspec (for git log) and pattern (a regular expression) in HEAD's
    history, each blob once."""
    seen = set()
    for c in git(gitdir, "log", "--format=%H", "HEAD", "--", pathspec).decode().split():
        for line in git(gitdir, "ls-tree", "-r", c).decode().splitlines():
            meta, path = line.split("\t", 1)
            if not re.search(pattern, path):
                continue
            blob = meta.split()[2]
            if blob not in seen:
                seen.add(blob)
                yield c, path, blob


def js_consts(src):
    """The string constants of a JavaScript module, evaluated by node."""
    src = re.sub(r"^export const", "const", src, flags=re.M)
    names = re.findall(r"^const ([A-Za-z0-9_]+)", src, re.M)
    prog = src + "\nprocess.stdout.write(JSON.stringify({%s}));\n" % ",".join(names)
    out = subprocess.run(["node", "-"], input=prog.encode(), check=True, capture_output=True).stdout
    return json.loads(out)


def js_templates(src):
    """The chat_template template literals of huggingface.js's e2e test,
    evaluated by node so that JavaScript's escape rules apply."""
    start = src.index("const TEST_DEFAULT_TEMPLATES")
    end = src.index("describe(", start)
    prog = src[start:end] + "\nprocess.stdout.write(JSON.stringify({...TEST_DEFAULT_TEMPLATES, ...TEST_CUSTOM_TEMPLATES}));\n"
    head = src[src.index("const EXAMPLE_CHAT"):start]
    out = subprocess.run(["node", "-"], input=(head + prog).encode(), check=True, capture_output=True).stdout
    return {k: v.get("chat_template") for k, v in json.loads(out).items()}


def main(mirror, out):
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        if f.endswith(".jinja"):
            os.remove(os.path.join(out, f))
    c = Corpus(out)
    for repo in SOURCES:
        gitdir = os.path.join(mirror, repo.replace("/", "+"), "repo")
        commit = git(gitdir, "rev-parse", "HEAD").decode().strip()
        if repo == "chujiezheng/chat_templates":
            for p in files(gitdir, r"^chat_templates/.*\.jinja$"):
                c.add(repo, commit, p, os.path.basename(p)[:-6], show(gitdir, p))
        elif repo == "ollama/ollama":
            for ver, path, blob in history(gitdir, "template/index.json", r"^template/index\.json$"):
                for e in json.loads(git(gitdir, "cat-file", "blob", blob)):
                    c.add(repo, ver, path, e["name"], e["template"])
            for ver, path, blob in history(gitdir, ":(glob)**/testdata/*.jinja*", r"testdata/.*\.jinja2?$"):
                text = git(gitdir, "cat-file", "blob", blob).decode("utf-8")
                c.add(repo, ver, path, os.path.basename(path).split(".")[0], text)
        elif repo == "huggingface/huggingface.js":
            p = "packages/jinja/test/e2e.test.js"
            for ver, path, blob in history(gitdir, p, r"^packages/jinja/test/e2e\.test\.js$"):
                src = git(gitdir, "cat-file", "blob", blob).decode("utf-8")
                try:
                    found = js_templates(src)
                except (ValueError, subprocess.CalledProcessError):
                    continue  # an early version laid out differently
                for k, v in found.items():
                    c.add(repo, ver, path, k.split(" ")[0].replace("/", "-"), v)
        elif repo == "nomic-ai/gpt4all":
            p = "gpt4all-chat/src/jinja_replacements.cpp"
            for i, m in enumerate(re.finditer(r'R"TEMPLATE\((.*?)\)TEMPLATE"', show(gitdir, p), re.S)):
                c.add(repo, commit, p, "replacements-%02d" % i, m.group(1))
            for p in files(gitdir, r"^gpt4all-chat/metadata/models\d*\.json$"):
                for e in json.loads(show(gitdir, p)):
                    c.add(repo, commit, p, e.get("filename", "model"), e.get("chatTemplate"))
        elif repo == "contrapuntal/chat-template-patches":
            for p in files(gitdir, r"\.jinja$"):
                c.add(repo, commit, p, p.replace("/", "-")[:-6], show(gitdir, p))
        elif repo == "abetlen/llama-cpp-python":
            p = "llama_cpp/llama_chat_format.py"
            for m in re.finditer(r'^([A-Z0-9_]+_CHAT_TEMPLATE) = "(.*)"$', show(gitdir, p), re.M):
                c.add(repo, commit, p, m.group(1).lower(), json.loads('"' + m.group(2) + '"'))
        elif repo == "google/minja":
            for ver, path, blob in history(gitdir, ":(glob)**/*.jinja", r"\.jinja$"):
                text = git(gitdir, "cat-file", "blob", blob).decode("utf-8")
                c.add(repo, ver, path, os.path.basename(path)[:-6], text)
        elif repo == "predictionguard/vllm":
            for ver, path, blob in history(gitdir, ":(glob)**/*.jinja", r"\.jinja$"):
                text = git(gitdir, "cat-file", "blob", blob).decode("utf-8")
                c.add(repo, ver, path, os.path.basename(path)[:-6], text)
        elif repo == "withcatai/node-llama-cpp":
            p = "test/standalone/chatWrappers/utils/jinjaTemplates.ts"
            for k, v in js_consts(show(gitdir, p)).items():
                c.add(repo, commit, p, k, v)
    c.write_manifest()
    print("%d templates" % len(c.rows))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
