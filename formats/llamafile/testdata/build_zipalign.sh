#!/bin/sh
# Builds llamafile's zipalign with the host's C library (gcc, zlib1g-dev)
# from a Mozilla-Ocho/llamafile checkout at
# cfa861a69cb9fb3b1101d1c435ec6c2bfa35365c: build_zipalign.sh LLAMAFILE OUT.
# zipalign.c is compiled unchanged; the Cosmopolitan helpers it calls are
# stood in by the small header and functions written here.
set -eu
src=$1/llamafile out=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/third_party/getopt" "$work/third_party/zlib" "$work/libc/mem"
cat > "$work/cosmo.h" <<'H'
#pragma once
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifndef DEF_MEM_LEVEL
#define DEF_MEM_LEVEL 8
#endif
#define wontreturn __attribute__((__noreturn__))
#define npassert(x) do { if (!(x)) abort(); } while (0)
static inline void verynice(void) {}
static inline void tinyprint(int fd, const char *s, ...) {
    va_list va;
    va_start(va, s);
    for (; s; s = va_arg(va, const char *))
        if (write(fd, s, strlen(s)) < 0)
            break;
    va_end(va);
}
H
echo '#include <getopt.h>' > "$work/third_party/getopt/getopt.internal.h"
echo '#include <zlib.h>' > "$work/third_party/zlib/zlib.h"
: > "$work/libc/mem/tinymalloc.inc"
cat > "$work/help.c" <<'C'
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
bool llamafile_has(char **p, const char *s) {
    for (; *p; ++p)
        if (!strcmp(*p, s))
            return true;
    return false;
}
void llamafile_help(const char *p) { fprintf(stderr, "see %s\n", p); }
C
gcc -D_GNU_SOURCE -include "$work/cosmo.h" -I"$work" -I"$src" -O1 -o "$out" "$src/zipalign.c" "$work/help.c" -lz
