#!/bin/sh
# Writes the 7z samples the sevenzip tests read, with Debian's 7z
# (p7zip-full). Run from this directory. data.pkl is a small pickle that
# calls os.system when loaded; nothing here ever loads it.
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/archive"
printf '\200\002cos\nsystem\nq\000X\002\000\000\000idq\001\205q\002Rq\003.' > "$work/archive/data.pkl"
printf '3\n' > "$work/archive/version"
ln -s ../../etc/passwd "$work/archive/link"
rm -f *.7z
(cd "$work" && 7z a -bd -m0=lzma2 model.7z archive/data.pkl archive/version >/dev/null)
(cd "$work" && 7z a -bd -m0=bzip2 -ms=off bzip2.7z archive/data.pkl archive/version >/dev/null)
(cd "$work" && 7z a -bd -pSECRET -mhe=off encrypted.7z archive/data.pkl >/dev/null)
(cd "$work" && 7z a -bd -pSECRET -mhe=on encrypted-headers.7z archive/data.pkl >/dev/null)
(cd "$work" && 7z a -bd -snl symlink.7z archive/link archive/data.pkl >/dev/null)
(cd "$work" && 7z a -bd -mhc=off plainheader.7z archive/data.pkl >/dev/null)
mv "$work"/*.7z .
