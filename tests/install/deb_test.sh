#!/usr/bin/env bash
# The Debian package (CTest install.deb): builds the .deb with CPack from this build, unpacks it
# into a temporary root with `dpkg -x` (no root rights, nothing changes on the machine) and runs
# the installed programs from there, outside the source and build trees:
#   - the package holds the programs, shaders, gallery, docs, .desktop, icon and metainfo, and the
#     desktop file and metainfo validate (desktop-file-validate, appstreamcli, when installed);
#   - Depends covers every shared library the programs load: each library ldd resolves belongs
#     to a Debian package named in Depends (so on a clean machine apt installs what they need);
#   - samplescope-run runs the installed gallery's default scenario;
#   - samplescope --screenshot under Xvfb draws the heat map (the shaders were found next to the
#     installed executable) and reads the installed gallery (a broken copy of default.json is
#     reported with its installed path).
#   deb_test.sh BUILD_DIR PNG_PROBE WORK_DIR
set -euo pipefail
build=$1 probe=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fail() { echo "deb_test: FAIL: $*" >&2; exit 1; }

cpack -G DEB -B "$work/pkg" --config "$build/CPackConfig.cmake" > "$work/cpack.log" 2>&1 ||
  fail "cpack: $(tail -20 "$work/cpack.log")"
deb=$(ls "$work"/pkg/samplescope_*.deb)
echo "deb_test: built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"
depends=$(dpkg-deb -f "$deb" Depends)
echo "deb_test: Depends: $depends"
[ -n "$depends" ] || fail "empty Depends"
contents=$(dpkg-deb -c "$deb")
for f in usr/bin/samplescope usr/bin/samplescope-run usr/bin/samplescope-report \
         usr/share/samplescope/shaders/density.frag usr/share/samplescope/shaders/density.vert \
         usr/share/samplescope/scenarios/default.json \
         usr/share/applications/org.samplescope.samplescope.desktop \
         usr/share/metainfo/org.samplescope.samplescope.metainfo.xml \
         usr/share/icons/hicolor/scalable/apps/org.samplescope.samplescope.svg \
         usr/share/doc/samplescope/README.md usr/share/doc/samplescope/cli.md; do
  grep -q " \./$f\$" <<< "$contents" || fail "the package lacks /$f"
done

root="$work/root"
dpkg -x "$deb" "$root"
if command -v desktop-file-validate > /dev/null; then
  desktop-file-validate "$root/usr/share/applications/org.samplescope.samplescope.desktop"
fi
if command -v appstreamcli > /dev/null; then
  appstreamcli validate --no-net "$root/usr/share/metainfo/org.samplescope.samplescope.metainfo.xml" > /dev/null ||
    fail "metainfo does not validate: $(appstreamcli validate --no-net "$root/usr/share/metainfo/org.samplescope.samplescope.metainfo.xml")"
fi

# Every library the installed programs link directly (ELF NEEDED) comes from a package in Depends
# (the packages of those libraries bring their own dependencies).
dep_names=$(tr ',|' '\n\n' <<< "$depends" | sed 's/(.*//; s/ //g' | grep -v '^$' | sort -u)
for exe in "$root"/usr/bin/*; do
  resolved=$(ldd "$exe")
  for needed in $(objdump -p "$exe" | awk '/NEEDED/{print $2}'); do
    lib=$(awk -v n="$needed" '$1 == n && $3 ~ /^\// {print $3}' <<< "$resolved")
    [ -n "$lib" ] || fail "$(basename "$exe") needs $needed, which ldd does not resolve"
    pkg=$(dpkg -S "$(readlink -f "$lib")" 2> /dev/null | head -1 | cut -d: -f1 || true)
    [ -n "$pkg" ] || pkg=$(dpkg -S "$lib" 2> /dev/null | head -1 | cut -d: -f1 || true)
    [ -n "$pkg" ] || fail "$(basename "$exe") needs $lib, which no Debian package owns"
    grep -qx "$pkg" <<< "$dep_names" || fail "$(basename "$exe") needs $lib from $pkg, not in Depends"
  done
done
echo "deb_test: the package of every library the programs link is in Depends"

# Run from the installed paths, from a folder outside the source and build trees.
cd "$work"
unset SAMPLESCOPE_SHADER_DIR SAMPLESCOPE_DATA_DIR
export XDG_CONFIG_HOME="$work/xdg"
"$root/usr/bin/samplescope-run" "$root/usr/share/samplescope/scenarios/default.json" --out run \
  --budget-iterations 5 2> run.log || fail "installed samplescope-run: $(cat run.log)"
grep -q '"interrupted": false' run/summary.json || fail "installed samplescope-run wrote no summary"
"$root/usr/bin/samplescope-report" --help > /dev/null

xvfb-run -a -s "-screen 0 1280x800x24" "$root/usr/bin/samplescope" --screenshot shot.png --frames 30 \
  --width 1280 --height 800 2> app.log || fail "installed samplescope: $(cat app.log)"
! grep -q "no heat map" app.log || fail "the installed app found no shaders: $(cat app.log)"
! grep -q "cannot open" app.log || fail "the installed app: $(cat app.log)"
"$probe" shot.png --min-colors 500 --min-stddev 20 > /dev/null || fail "the screenshot looks empty"
# The gallery it reads is the installed one: a broken installed default.json is reported by path.
echo '{' > "$root/usr/share/samplescope/scenarios/default.json"
xvfb-run -a -s "-screen 0 1280x800x24" "$root/usr/bin/samplescope" --screenshot shot2.png --frames 5 \
  --width 1280 --height 800 2> app2.log || true
grep -q "cannot open the default scenario: $root/usr/share/samplescope/scenarios/default.json" app2.log ||
  fail "the app did not read the installed gallery: $(cat app2.log)"
echo "deb_test: ok"
