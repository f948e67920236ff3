#!/usr/bin/python3
"""Write the names of the top-level Python modules that known libraries provide.

The pickle machine reports a class a pickle only rebuilds, or a name it only holds, from a module
no known library provides as the saving project's own code (MG119, low) instead of an unknown
import (MG101, medium): such a module imports only where the project itself is on sys.path. This
list is what "known" means. A name is on it when it is

  - a module of the standard library of the Debian interpreter that runs this script
    (sys.stdlib_module_names, sys.builtin_module_names) or a Python 2 module name that
    _compat_pickle maps for Python 3 loaders;
  - the normalized name (lowercase, "-" and "." as "_") of a PyPI distribution that was ever among
    the most-downloaded ones (every version, since 2018, of every top-pypi-packages*.json list of
    hugovk/top-pypi-packages up to PYPI_COMMIT: over 30,000 distributions, so that a library that
    has fallen out of use, such as fbprophet, stays known), the same without a "python_" or "py"
    prefix or a "_python" suffix, and the first part of every name that two or more of them share
    as a prefix (namespace packages: google, azure, jaraco, zope, backports);
  - a top-level module that one of the 20,458 distributions of replit/upm's package index (pkgs.json
    at UPM_COMMIT, read from each distribution's wheel or sdist) installs: absl, caffe2, open_clip,
    win32api, and the utils, models and src that careless distributions put in site-packages;
  - an import name or distribution name of pipreqs' mapping of import names that differ from their
    distribution (bndr/pipreqs at PIPREQS_COMMIT: sklearn, cv2, PIL, yaml, skimage ...);
  - a top-level module of any entry of modelgate's own lists (allow.tsv, deny.tsv, compat.tsv,
    aliases.tsv and the ecosystem lists);
  - a module or package the Debian python3 packages installed here provide (the entries of
    /usr/lib/python3/dist-packages, as make allowlist reads the same installed set), or one of
    NEWER_STDLIB, the standard-library modules added after the interpreter's version;
  - one of OTHER_STDLIB, the modules older and newer CPython installations import that
    stdlib_module_names omits (removed ones, test extension modules), or of HOST_ONLY, the ones
    installers and hosts (pywin32, conda, IDEs, the system Python of Ubuntu, Fedora and RHEL, whose
    cloudinit.subp.subp or dnf run commands) put on sys.path outside a wheel's file list;
  - one of GIT_ONLY: libraries installed from a git checkout rather than PyPI whose classes real
    checkpoints name, so that an attacker could study them as well as any PyPI library.

Comparison is case-insensitive, which only ever makes more names known. The output is sorted and
stamp-free: a rerun reproduces it byte for byte. It reads the two repositories from bare git
snapshots under --mirrors (owner+name/repo, as the `fetch` tool leaves them) and never imports
anything but the standard library.

Usage: /usr/bin/python3 tools/allowlist/modules.py [--mirrors DIR]
"""

import argparse
import collections
import glob
import json
import os
import re
import subprocess
import sys
import _compat_pickle

PYPI_REPO, PYPI_COMMIT = "hugovk/top-pypi-packages", "5501c5c934df26d6f01fb1ca810845db02111c7d"
UPM_REPO, UPM_COMMIT = "replit/upm", "a5fa4e2282b7da19f13b3eb2e19c662c4f69e59e"
UPM_FILE = "internal/backends/python/pkgs.json"
PIPREQS_REPO, PIPREQS_COMMIT = "bndr/pipreqs", "48dbafd39003b9de177b8d314795e45797555850"
PIPREQS_FILE = "pipreqs/mapping"

# Installed from git, not PyPI, and named by real checkpoints: detectron2 (facebookresearch),
# ldm and sgm (CompVis/Stability latent diffusion), clip (openai/CLIP), groundingdino,
# modules (AUTOMATIC1111's web UI), models and utils (YOLOv5/YOLOv7 checkouts that torch.hub puts
# on sys.path), nnunet (MIC-DKFZ), mmcv_custom, taming, basicsr, realesrgan, gfpgan, dinov2,
# segment_anything, sam2, llava, minigpt4, fairscale, apex (NVIDIA), megatron, deepspeed.
GIT_ONLY = """
detectron2 ldm sgm clip groundingdino modules models utils nnunet nnunetv2 mmcv_custom taming basicsr
realesrgan gfpgan dinov2 segment_anything sam2 llava minigpt4 fairscale apex megatron deepspeed
""".split()

# Top-level standard-library modules of Python 3.12 to 3.14 that 3.11's stdlib_module_names lacks
# (What's New in Python 3.12, 3.13, 3.14).
NEWER_STDLIB = """
annotationlib compression _colorize _pyrepl _interpreters _interpqueues _interpchannels _opcode_metadata
_suggestions _sysconfig _testexternalinspection _remote_debugging _zstd _hmac _types _apple_support
_android_support _ios_support _wmi
""".split()

# Top-level modules a CPython 2.7 or 3.6 to 3.13 installation imports that 3.11's stdlib_module_names
# and _compat_pickle lack: the ones removed before 3.11 (macpath, formatter, symbol, binhex, Python
# 2's rexec, Bastion, ihooks ...), newer internals
# (_pydatetime, _pylong, _sha2) and the test and example extension modules it leaves out but
# installs (_testbuffer, _testmultiphase, xxlimited ...). Read from pyenv builds of each version
# (pkgutil.iter_modules over the lib and lib-dynload folders); the name stays stdlib on every
# host that runs an older or newer interpreter.
OTHER_STDLIB = """
_bootlocale _ctypes_test _dummy_thread _peg_parser _pydatetime _pylong _sha2 _testbuffer _testclinic
_testclinic_limited _testimportmultiple _testlimitedcapi _testmultiphase _testsinglephase
_xxtestfuzz binhex dummy_threading formatter macpath macurl2path parser symbol xxlimited xxlimited_35
Bastion MimeWriter _LWPCookieJar _MozillaCookieJar _hotshot _sha _sysconfigdata audiodev bsddb compiler
dircache fpformat future_builtins hotshot htmllib ihooks imputil linuxaudiodev md5 mhlib mimetools
mimify multifile mutex os2emxpath posixfile rexec rfc822 sha sre statvfs stringold strop sunaudio
toaiff xmllib
""".split()

# Top-level modules that installers and hosts put on sys.path rather than a PyPI wheel's file list
# upm reads: pywin32's (its post-install and the win32/lib, win32comext and Pythonwin folders),
# conda's base environment, PyCharm's, Spyder's and virtualenv's helpers, the modules Kaggle's
# notebook image puts on sys.path (Kaggle/docker-python patches/), NVIDIA apex's extensions and the
# packages transformers and diffusers create in their modules cache and append to sys.path for
# trust_remote_code (transformers_modules, diffusers_modules: every remote repository's code run before).
# Also the modules of Ubuntu's, Fedora's and RHEL's system Python outside Debian's dist-packages here
# (cloud-init, apport, ubuntu-advantage, dnf, yum, subscription-manager ...): importable on those
# hosts, and some run commands (cloudinit.subp.subp, uaclient.system.subp); the Python bindings
# Debian and Ubuntu desktops and servers install outside this image's set (LibreOffice's uno, CUPS,
# AT-SPI, Samba, Ceph, libxml2, QGIS, ParaView, GIMP), Databricks' runtime and the Google Cloud SDK.
HOST_ONLY = """
win32com win32comext pythoncom pywintypes win32ui win32uiole dde pythonwin pywin isapi adodbapi afxres
perfmon mmapfile servicemanager _win32sysloader _winxptheme pywin32_bootstrap pywin32_testutil
pywin32_system32 win32evtlogutil netbios ntsecuritycon commctrl dbi mmsystem regutil rasutil sspi
sspicon conda conda_env conda_build conda_libmamba_solver libmambapy menuinst anaconda_navigator
navigator_updater pycharm_matplotlib_backend pydev_jupyter_utils spydercustomize _virtualenv
kaggle_gcp kaggle_secrets kaggle_web_client kaggle_datasets kaggle_session kaggle_module_resolver
adspy_shared_utilities generativeaipatch keras_internal torchvision_downloads learntools
amp_C apex_C fused_layer_norm_cuda syncbn fused_adam_cuda fused_dense_cuda mlp_cuda
scaled_masked_softmax_cuda scaled_upper_triang_masked_softmax_cuda transformers_modules diffusers_modules
cloudinit apport apport_python_hook problem_report uaclient CommandNotFound lsb_release UpdateManager
DistUpgrade landscape netplan LanguageSelector UbuntuDrivers Quirks xkit aptdaemon debconf ubuntutools
unattended_upgrades update_manager_core ufw hplip dnf dnfpluginscore dnf_plugins libdnf hawkey libcomps
yum yumutils rhsm subscription_manager insights_client rhn up2date_client sepolicy setroubleshoot tuned
cockpit pyanaconda blivet uno unohelper cupshelpers pyatspi brlapi louis speechd samba ldb talloc tdb ntdb
rados rbd cephfs ceph_argparse libxml2 drv_libxml2 qgis paraview scribus gimpfu dbruntime dbacademy
googlecloudsdk _xxinterpqueues
""".split()

DIST_PACKAGES = "/usr/lib/python3/dist-packages"

HERE = os.path.dirname(os.path.abspath(__file__))
GLOBALS = os.path.join(HERE, "..", "..", "formats", "pickle", "globals")
OUT = os.path.join(GLOBALS, "ecosystems", "libraries.txt")

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def git_show(mirrors, repo, commit, path):
    gitdir = os.path.join(mirrors, repo.replace("/", "+"), "repo")
    return subprocess.run(["git", "--git-dir", gitdir, "show", f"{commit}:{path}"],
                          check=True, capture_output=True).stdout.decode()


def lists_version():
    with open(os.path.join(GLOBALS, "allow.tsv")) as f:
        for line in f:
            if line.startswith("#version\t"):
                return line.split("\t", 1)[1].strip()
    raise SystemExit("allow.tsv has no #version line")


def list_modules():
    """Top-level modules of every entry of modelgate's lists."""
    out = set()
    fields = {"allow.tsv": (0,), "deny.tsv": (0,), "compat.tsv": (1, 2), "aliases.tsv": (0, 1)}
    files = [(os.path.join(GLOBALS, n), f) for n, f in fields.items()]
    files += [(p, (0,)) for p in sorted(glob.glob(os.path.join(GLOBALS, "ecosystems", "*.tsv")))]
    for path, idx in files:
        with open(path) as f:
            for line in f:
                if not line.strip() or line.startswith("#"):
                    continue
                parts = line.rstrip("\n").split("\t")
                for i in idx:
                    top = re.split(r"[.:\s]", parts[i].strip(), maxsplit=1)[0] if i < len(parts) else ""
                    if IDENT.match(top):
                        out.add(top)
    return out


def installed_modules():
    """What `import name` finds in Debian's dist-packages: packages, modules, extension modules."""
    out = set()
    for entry in os.listdir(DIST_PACKAGES):
        full = os.path.join(DIST_PACKAGES, entry)
        if os.path.isdir(full):
            if not re.search(r"\.(dist|egg)-info$", entry):
                out.add(entry)
            continue
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)(\.[^.]+)*\.(py|pyc|so)$", entry)
        if m:
            out.add(m.group(1))
    return out


def pypi_history(mirrors):
    """Every project name of every version of the top-PyPI lists up to PYPI_COMMIT."""
    gitdir = os.path.join(mirrors, PYPI_REPO.replace("/", "+"), "repo")
    git = ["git", "--git-dir", gitdir]
    commits = subprocess.run(git + ["rev-list", PYPI_COMMIT], check=True, capture_output=True,
                             text=True).stdout.split()
    blobs = set()
    for c in commits:
        tree = subprocess.run(git + ["ls-tree", c], check=True, capture_output=True, text=True).stdout
        for line in tree.splitlines():
            meta, path = line.split("\t", 1)
            if re.fullmatch(r"top-pypi-packages.*\.json", path):
                blobs.add(meta.split()[2])
    data = subprocess.run(git + ["cat-file", "--batch"], input="\n".join(sorted(blobs)).encode(),
                          check=True, capture_output=True).stdout
    return set(m.decode() for m in re.findall(rb'"project": ?"([^"]+)"', data))


def pypi_names(names):
    out = set()
    prefixes = collections.Counter()
    for n in names:
        norm = re.sub(r"[-.]+", "_", n.lower())
        out.add(norm)
        for pre in ("python_", "py_", "py"):
            if norm.startswith(pre) and len(norm) > len(pre):
                out.add(norm[len(pre):])
        if norm.endswith("_python"):
            out.add(norm[: -len("_python")])
        if "_" in norm:
            prefixes[norm.split("_", 1)[0]] += 1
    out.update(p for p, c in prefixes.items() if c >= 2)
    return out


def upm_modules(text):
    """Top-level modules of every distribution of upm's index (one JSON object per line)."""
    out = set()
    for line in text.splitlines():
        try:
            d = json.loads(line)
        except ValueError:
            continue
        for m in d.get("modules") or []:
            top = m.split(".", 1)[0]
            if IDENT.match(top):
                out.add(top.lower())
    return out


def pipreqs_names(text):
    out = set()
    for line in text.splitlines():
        if ":" not in line:
            continue
        imp, dist = line.split(":", 1)
        top = imp.split(".", 1)[0]
        if IDENT.match(top):
            out.add(top.lower())
        norm = re.sub(r"[-.]+", "_", dist.strip().lower())
        if IDENT.match(norm):
            out.add(norm)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--mirrors", default="/work/.mirror")
    args = ap.parse_args()

    names = set(m.lower() for m in sys.stdlib_module_names)
    names.update(m.lower() for m in sys.builtin_module_names)
    names.update(m.split(".", 1)[0].lower() for m in _compat_pickle.IMPORT_MAPPING)
    names.update(m.split(".", 1)[0].lower() for m, _ in _compat_pickle.NAME_MAPPING)
    names.update(pypi_names(pypi_history(args.mirrors)))
    names.update(upm_modules(git_show(args.mirrors, UPM_REPO, UPM_COMMIT, UPM_FILE)))
    names.update(pipreqs_names(git_show(args.mirrors, PIPREQS_REPO, PIPREQS_COMMIT, PIPREQS_FILE)))
    names.update(m.lower() for m in list_modules())
    names.update(m.lower() for m in installed_modules())
    names.update(m.lower() for m in NEWER_STDLIB)
    names.update(m.lower() for m in OTHER_STDLIB)
    names.update(m.lower() for m in HOST_ONLY)
    names.update(GIT_ONLY)
    names = sorted(n for n in names if IDENT.match(n))

    py = "%d.%d" % sys.version_info[:2]
    with open(OUT, "w") as f:
        f.write("#version\t%s\n" % lists_version())
        f.write("# Generated by tools/allowlist/modules.py (make allowlist-source); do not edit by hand.\n")
        f.write("# Top-level modules known libraries provide, lowercased: Python %s's standard library and\n" % py)
        f.write("# _compat_pickle names; every PyPI distribution the most-downloaded lists ever held\n")
        f.write("# (%s@%s and its history);\n" % (PYPI_REPO, PYPI_COMMIT))
        f.write("# the modules of upm's package index (%s@%s);\n" % (UPM_REPO, UPM_COMMIT))
        f.write("# pipreqs' import-name mapping (%s@%s);\n" % (PIPREQS_REPO, PIPREQS_COMMIT))
        f.write("# Debian's dist-packages as installed; other stdlib and host modules; modelgate's lists; the git-only\n")
        f.write("# libraries the script names. A pickle global of any other\n")
        f.write("# module is the saving project's own (MG119).\n")
        for n in names:
            f.write(n + "\n")
    print("%s: %d names" % (os.path.relpath(OUT), len(names)), file=sys.stderr)


if __name__ == "__main__":
    main()
