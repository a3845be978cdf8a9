#!/usr/bin/env bash
# Installs the Debian packages that tests shell out to, where missing:
# openssl (PKI/TSA interoperability checks), fonts-wqy-microhei (seal images,
# and Chinese text in Chromium's screenshots), libreoffice-writer-nogui
# (DOCX/ODT to PDF), chromium (the web app's end-to-end tests). Needs root and apt-get; without
# them it says what is missing and the affected tests fail in CI.
set -euo pipefail

need=()
command -v openssl >/dev/null 2>&1 || need+=(openssl)
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei) # seals/render
command -v pdfsig >/dev/null 2>&1 || need+=(poppler-utils)   # internal/pdfsig interop (pdfsig, pdftoppm)
command -v certutil >/dev/null 2>&1 || need+=(libnss3-tools) # internal/pdfsig: NSS db for pdfsig
command -v qpdf >/dev/null 2>&1 || need+=(qpdf)                  # internal/pdfsig: qpdf --check after /DSS and document time-stamps
command -v mutool >/dev/null 2>&1 || need+=(mupdf-tools)         # internal/pdfsig: mutool verifies signatures after LTV updates
[ -f /usr/share/doc/libtasn1-doc/libtasn1.pdf ] || need+=(libtasn1-doc)                        # internal/pdfsig: real PDFs of another producer
[ -f /usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf ] || need+=(shared-mime-info) # (pdfTeX, xref and object streams)
command -v unzip >/dev/null 2>&1 || need+=(unzip)                # evidence/bundle: RECIPE.md is run as written (also pdftotext from poppler-utils)
# frontend/e2e: Debian's Chromium, driven by playwright-core (browser downloads do not work here)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# frontend/e2e: moves a link's expiry into the past in the server's SQLite file (no API expires a link at once)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
# pdftoppm draws the Chinese text of PDFs whose fonts are not embedded (the e2e test looks at the final PDF)
[ -d /usr/share/poppler/cMap ] || need+=(poppler-data)
# Node.js for the web app's build and tests (the machines ship Node 20; this is for bare ones)
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
# internal/testenv (the cluster test): a 3-node Galera cluster of Debian's MariaDB, joined by rsync SST
command -v mariadbd >/dev/null 2>&1 || need+=(mariadb-server)
[ -f /usr/lib/galera/libgalera_smm.so ] || need+=(galera-4)
command -v rsync >/dev/null 2>&1 || need+=(rsync)
command -v ss >/dev/null 2>&1 || need+=(iproute2) # wsrep_sst_rsync checks its port with ss
# internal/convert: headless Writer, about 85 MB to download with --no-install-recommends
command -v soffice >/dev/null 2>&1 || command -v libreoffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "tools.sh: missing ${need[*]}; install them (Debian: apt-get install ${need[*]})" >&2
  exit 0
fi
echo "tools.sh: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
  { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; }
