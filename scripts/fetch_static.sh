#!/usr/bin/env bash
# Fetch the browser assets the map needs (Leaflet, its plugins and what folium's
# map template names) into static/vendor/, which Streamlit serves at
# /app/static/vendor/ (server.enableStaticServing in .streamlit/config.toml).
# maps/assets.py points folium at these copies, so the map loads nothing from the
# internet at run time except basemap tiles.
#
# Run from anywhere; paths are relative to the repository root. Idempotent: a
# package already extracted at the pinned version is skipped (no network then).
# Versions are the ones folium 0.20 names in its CDN links. Fails loudly when npm
# or a tarball fails, and checks every file maps/assets.py refers to.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENDOR=static/vendor

# npm spec -> directory under static/vendor/ is the package name.
PACKAGES=(
  "leaflet@1.9.3"
  "jquery@3.7.1"
  "bootstrap@5.2.2"
  # folium names Leaflet.awesome-markers 2.0.2 on cdnjs; npm has 2.0.4/2.0.5 of the
  # same plugin (the script still reports version 2.0.1 inside; CSS identical in use).
  "leaflet.awesome-markers@2.0.5"
  "@fortawesome/fontawesome-free@6.2.0"
  # Bootstrap 3's glyphicons (folium's glyphicons_css) without the rest of Bootstrap 3.
  "glyphicons-only-bootstrap@1.0.1"
  "leaflet.markercluster@1.1.0"
)

# Files the app links to (keep in step with maps/assets.py).
REQUIRED=(
  leaflet/dist/leaflet.js
  leaflet/dist/leaflet.css
  leaflet/dist/images/marker-icon.png
  jquery/dist/jquery.min.js
  bootstrap/dist/js/bootstrap.bundle.min.js
  bootstrap/dist/css/bootstrap.min.css
  leaflet.awesome-markers/dist/leaflet.awesome-markers.js
  leaflet.awesome-markers/dist/leaflet.awesome-markers.css
  @fortawesome/fontawesome-free/css/all.min.css
  @fortawesome/fontawesome-free/webfonts/fa-solid-900.woff2
  glyphicons-only-bootstrap/css/bootstrap.min.css
  glyphicons-only-bootstrap/fonts/glyphicons-halflings-regular.woff2
  leaflet.markercluster/dist/leaflet.markercluster.js
  leaflet.markercluster/dist/MarkerCluster.css
  leaflet.markercluster/dist/MarkerCluster.Default.css
  folium-local/leaflet.awesome.rotate.css
)

die() { echo "fetch_static: $*" >&2; exit 1; }

mkdir -p "$VENDOR"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetched=0
for spec in "${PACKAGES[@]}"; do
  name=${spec%@*}
  version=${spec##*@}
  dest=$VENDOR/$name
  if [[ -f $dest/.npm-version && $(<"$dest/.npm-version") == "$version" ]]; then
    echo "fetch_static: $name $version already present"
    continue
  fi
  command -v npm >/dev/null || die "npm is not installed (apt-get install -y npm)"
  pack=$work/pack-$fetched
  mkdir -p "$pack"
  echo "fetch_static: npm pack $spec"
  if ! (cd "$pack" && npm pack --ignore-scripts --loglevel=error "$spec" >/dev/null); then
    die "npm pack $spec failed"
  fi
  tarballs=("$pack"/*.tgz)
  [[ -f ${tarballs[0]} ]] || die "npm pack $spec produced no tarball"
  partial=$dest.partial
  rm -rf "$partial"
  mkdir -p "$partial"
  tar -xzf "${tarballs[0]}" -C "$partial" --strip-components=1 || die "cannot extract ${tarballs[0]}"
  echo "$version" >"$partial/.npm-version"
  rm -rf "$dest"
  mv "$partial" "$dest"
  fetched=$((fetched + 1))
done

# folium's awesome_rotate_css lives only in folium's repository (not on npm and not
# in the wheel): it rotates an awesome-markers icon by Icon(angle=N), which adds the
# class fa-rotate-N. This local file does the same for every whole angle.
rotate=$VENDOR/folium-local/leaflet.awesome.rotate.css
if [[ ! -s $rotate ]]; then
  mkdir -p "$(dirname "$rotate")"
  {
    echo "/* Local stand-in for folium's leaflet.awesome.rotate.css: Icon(angle=N) adds fa-rotate-N. */"
    for angle in $(seq 0 359); do
      echo ".awesome-marker .fa-rotate-$angle{transform:rotate(${angle}deg);}"
    done
  } >"$rotate.partial"
  mv "$rotate.partial" "$rotate"
fi

missing=0
for file in "${REQUIRED[@]}"; do
  if [[ ! -f $VENDOR/$file ]]; then
    echo "fetch_static: missing $VENDOR/$file" >&2
    missing=1
  fi
done
[[ $missing == 0 ]] || die "some assets are missing (see above)"
echo "fetch_static: $fetched package(s) fetched; all assets present in $VENDOR/"
