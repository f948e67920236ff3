# modelgate — build, test, fuzz, benchmark, lint.
GO        ?= go
PKGS      := ./...
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME  ?= 10m
# Minimizing large seeds (multi-megabyte models) can stall a worker;
# bound it.
FUZZMINIMIZE ?= 5s
BENCHTIME ?= 1s
ACCEPTEVENTS ?= 5000

DIFFTIME  ?= 30m
DIFFRUN   ?= .
DIFFSEED  ?= 1

FAULTTIME ?= 10m
FAULTSEED ?= 1

# Release builds: version stamped into main.version (what `modelgate
# version` prints), and the image pushed by `make image`.
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
IMAGE     ?= ghcr.io/modelgate/modelgate:$(VERSION)

.PHONY: build test fuzz bench bench-scale lint vet fmt-check differential differential-numpy faults allowlist allowlist-source release image

build:
	$(GO) build -buildvcs=auto -o bin/modelgate ./cmd/modelgate

# Static binaries for every platform in PLATFORMS under dist/, built with
# -trimpath and no cgo so the same source gives the same bytes, and their
# SHA256SUMS. Not part of make test: a cold cross build takes minutes.
release:
	rm -rf dist && mkdir -p dist
	@for p in $(PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; ext=; [ "$$os" = windows ] && ext=.exe; \
	  out=dist/modelgate-$(VERSION)-$$os-$$arch$$ext; echo "== $$out"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -buildvcs=auto \
	    -ldflags "-s -w -X main.version=$(VERSION)" -o $$out ./cmd/modelgate || exit 1; \
	done
	cd dist && sha256sum modelgate-* > SHA256SUMS
	@ls -l dist

# The container image (tools/image: static binary, CA bundle, user 65532,
# reproducible digest), built without Docker and pushed to IMAGE with the
# credentials of ~/.docker/config.json.
image:
	GO=$(GO) $(GO) run ./tools/image -version $(VERSION) -push $(IMAGE)

# The whole test suite: what CI runs (.ci/run) and what a newcomer runs.
# Output is plain go test's (ok/FAIL per package, failing tests' logs),
# then every skipped test with its reason and a closing count: the
# end-to-end tests skip without Debian's docker-registry and postgresql-15.
test: fmt-check vet
	GO=$(GO) $(GO) run ./internal/testsummary -count=1 $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

lint: fmt-check vet
	$(GO) run $(STATICCHECK) $(PKGS)

# Every fuzz target, one after another, FUZZTIME each (default 10m).
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) $$pkg || exit 1; \
	  done; \
	done

# Benchmarks report throughput and, where it matters, the ratio to a plain
# SHA-256 pass over the same bytes.
bench:
	$(GO) test -run '^$$' -bench . -skip 'Quick|CachedRescan|ParallelFetch|DenseInts|DictHeavy|AcceptRate' -benchmem -benchtime $(BENCHTIME) $(PKGS)
	$(MAKE) --no-print-directory bench-scale

# The figures of performance at scale alone, each a ratio measured in the
# same run: a local --quick scan of a 1 GiB checkpoint (time, bytes read,
# against the full scan) and of a 100-shard directory, cached re-scans
# (bytes fetched from a Hub, bytes read locally), dict-heavy pickles
# (opcodes per CPU second, against the dense rate), a default remote scan
# from a loopback server limiting each connection's rate (against the
# server's aggregate limit and against one connection), and the service's
# accept rate and p99 latency with 32 concurrent senders on SQLite and
# PostgreSQL, one commit per event against group commit (ACCEPTEVENTS
# events each, with where the p99 goes), and the service's cached re-scan
# of a model pushed under a new tag (layer bytes fetched). `make bench`
# runs every benchmark and then these.
bench-scale:
	$(GO) test -run '^$$' -bench 'Quick|CachedRescan|ParallelFetch' -benchtime $(BENCHTIME) ./scanner/ ./scanner/fetch/
	$(GO) test -run '^$$' -bench 'DenseInts|DictHeavy' -benchmem -benchtime $(BENCHTIME) ./formats/pickle/
	$(GO) test -run '^$$' -bench 'AcceptRate' -benchtime $(ACCEPTEVENTS)x ./server/
	$(GO) test -run '^$$' -bench 'ServiceCachedRescan' -benchtime 3x ./server/

# The differential tests against the real loaders (tools/differential):
# DIFFTIME per loader family (pickle, joblib, torch; DIFFRUN picks some by
# regexp, e.g. DIFFRUN=Joblib), seed DIFFSEED. Cases where a loader reaches
# the marker payload and modelgate does not report it are kept under
# tools/differential/testdata/found/. make test runs them for seconds.
differential:
	MG_DIFFTIME=$(DIFFTIME) MG_DIFFSEED=$(DIFFSEED) MG_DIFFKEEP=1 \
	  $(GO) test -count=1 -timeout 0 -v -run '^Test($(DIFFRUN))' ./tools/differential/

# The .npy differential test against numpy.load (Debian's python3-numpy),
# for DIFFTIME (default 30m) instead of the few seconds `make test` gives it.
differential-numpy:
	NPY_DIFF_DURATION=$(DIFFTIME) $(GO) test -count=1 -timeout 0 -run '^TestDifferentialNumPy$$' -v ./formats/numpy/

# The fault-injection test (tools/faults) for FAULTTIME (default 10m)
# instead of the seconds `make test` gives it: truncated and bit-flipped
# copies of every testdata file (and ../shared/realworld when present),
# seed FAULTSEED; every mutant that passes the gate is read by the real
# loader, which must accept it.
faults:
	MODELGATE_FAULT_BUDGET=$(FAULTTIME) MODELGATE_FAULT_SEED=$(FAULTSEED) \
	  $(GO) test -count=1 -timeout 0 -v -run '^TestFaults$$' ./tools/faults/

# Regenerates the pickle allowlist's ecosystem lists from the installed
# Debian libraries (python3-numpy, -scipy, -pandas, -sklearn, -statsmodels,
# -gensim, -xgboost, -torch, -torchvision, -torchaudio, -nltk, -joblib, ...,
# -xarray, -rdkit; the full list is in the generator's docstring).
# The output is sorted and stamp-free: a rerun reproduces it byte for byte.
allowlist:
	/usr/bin/python3 tools/allowlist/generate.py
	/usr/bin/python3 tools/allowlist/methods.py
	/usr/bin/python3 tools/allowlist/plainstate.py > formats/pickle/plainstate.txt

# Derives the allowlist entries of libraries Debian does not package from
# their source, pinned in tools/allowlist/sources.tsv and read from bare git
# snapshots under $(MIRRORS) (owner+name/repo); parses, never imports them.
# Then writes the top-level modules known libraries provide (modules.py),
# from the top-PyPI lists' history and pipreqs' mapping, pinned there.
MIRRORS ?= /work/.mirror
allowlist-source:
	/usr/bin/python3 tools/allowlist/source.py --mirrors $(MIRRORS)
	/usr/bin/python3 tools/allowlist/modules.py --mirrors $(MIRRORS)
