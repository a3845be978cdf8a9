#!/usr/bin/env bash
# A short run of every fuzz target, each under a memory ceiling, for
# `make test` (deploy/scripts/test.sh). The committed seed corpora
# (testdata/fuzz/) always run with the ordinary tests; this adds a few
# seconds of new inputs per target.
#
#   FUZZTIME     how long each target fuzzes (default: the target's own time, or 5s)
#   FUZZ_MEMORY  the ceiling in MiB: GOMEMLIMIT for the Go heap and ulimit -v
#                for the address space of go test and its workers (default 4096)
#
# To add a target, append "package FuzzName [fuzztime]" to targets below.
set -euo pipefail
cd "$(dirname "$0")/../.."

targets=(
  # PDF parsing and every stream filter; verification input (issue #14).
  "./internal/pdfsig FuzzInspect"
  "./internal/pdfsig FuzzVerify"
  "./internal/pdfsig FuzzStreamFilters"
  # RFC 3161 request, response and TSTInfo parsing: DER round trip.
  "./internal/rfc3161 FuzzParseRequest 3s"
  "./internal/rfc3161 FuzzParseResponse 3s"
  "./internal/rfc3161 FuzzParseTSTInfo 3s"
  # OCSP requests (the public responder's input) and responses (in PDFs' /DSS).
  "./internal/ocsp FuzzParseRequest 3s"
  "./internal/ocsp FuzzParseResponse 3s"
  # OFD packages: zip bounds, XML, the signature list and signatures.
  "./internal/ofd FuzzInspect 4s"
  # SES (GB/T 38540) ASN.1 decoding and verification.
  "./internal/ses FuzzDecode 4s"
  # The offline evidence-package verifier.
  "./evidence/bundle FuzzVerify 4s"
  # Seal image uploads.
  "./seals/imageproc FuzzProcess 4s"
  # Resident ID, USCC and mobile validators: canonical forms are fixed points.
  "./identity FuzzParseResidentID 3s"
  "./identity FuzzParseUSCC 3s"
  "./identity FuzzNormalizeMobile 4s"
  # CSV bulk-send rows.
  "./contracts FuzzBulkCSV 4s"
)

fuzztime=${FUZZTIME:-5s}
memory=${FUZZ_MEMORY:-4096}

# fuzz_once runs one target and prints its output; it fails as go test does.
fuzz_once() {
  (ulimit -v $((memory * 1024)) &&
    GOMEMLIMIT=${memory}MiB go test -run '^$' -fuzz "^${name}\$" -fuzztime "$dur" \
      -fuzzminimizetime 1s "$pkg") 2>&1 | tee "$out"
  return "${PIPESTATUS[0]}"
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
failed=0
passed=0
for t in "${targets[@]}"; do
  read -r pkg name own <<<"$t"
  # FUZZTIME, when set, wins over a target's own time.
  dur=${FUZZTIME:-${own:-$fuzztime}}
  echo "fuzz: $name in $pkg for $dur (memory ceiling ${memory} MiB)"
  corpus="$pkg/testdata/fuzz/$name"
  before=$(ls "$corpus" 2>/dev/null | sort)
  # Minimizing a new input could take the whole short run; a second is enough here.
  ok=true
  if ! fuzz_once; then
    ok=false
    # Go's fuzzing engine can end a short run with "context deadline
    # exceeded" when the time runs out while it is still minimizing a new
    # interesting input: no crasher, nothing wrong with the target. That,
    # and only that, is tried once more.
    if grep -q "context deadline exceeded" "$out" && [ "$(ls "$corpus" 2>/dev/null | sort)" = "$before" ]; then
      echo "fuzz: $name ended on the fuzzing engine's deadline with no crasher; running it once more"
      fuzz_once && ok=true
    fi
  fi
  if $ok; then
    passed=$((passed + 1))
  else
    echo "fuzz: $name FAILED (a crasher is in $corpus/ if one was found)" >&2
    failed=$((failed + 1))
  fi
done
# make test's summary counts each target as one test.
if [ -n "${SIGNET_TEST_SUITES:-}" ]; then
  echo "fuzz $passed $failed 0" >>"$SIGNET_TEST_SUITES"
fi
[ "$failed" -eq 0 ]
