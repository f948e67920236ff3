#!/bin/sh
# Makes the encrypted-zip fixtures with Info-ZIP's zip (Debian package
# "zip", 3.0): traditional PKWARE encryption, one stored and one deflated
# member, password "secret". The member is a small benign pickle written
# by Debian's Python. Run from this directory: sh make_encrypted.sh
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 -c 'import pickle, sys; sys.stdout.buffer.write(pickle.dumps({"weights": list(range(64))}, protocol=2))' >"$tmp/data.pkl"
(cd "$tmp" && TZ=UTC touch -t 202601010000 data.pkl &&
	zip -q -X -0 -e -P secret stored.zip data.pkl &&
	zip -q -X -9 -e -P secret deflated.zip data.pkl)
cp "$tmp/stored.zip" encrypted_stored.zip
cp "$tmp/deflated.zip" encrypted_deflated.zip
