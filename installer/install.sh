#!/bin/sh
# Install the gisdesk bundle for one user (or system-wide with PREFIX=/usr/local, as root):
# the program folder, a `gisdesk` command, the menu entries and the icon.
#   ./install.sh               # into ~/.local
#   PREFIX=/opt/x ./install.sh
#   ./install.sh --uninstall
set -eu
SRC=$(cd "$(dirname "$0")" && pwd)
PREFIX=${PREFIX:-$HOME/.local}
APP="$PREFIX/lib/gisdesk"
APPS="$PREFIX/share/applications"
ICON="$PREFIX/share/icons/hicolor/256x256/apps"

if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$APP" "$PREFIX/bin/gisdesk" "$APPS/gisdesk.desktop" "$APPS/gisdesk-sample.desktop" \
    "$ICON/gisdesk.png"
  echo "gisdesk removed from $PREFIX"
  exit 0
fi

if [ "$SRC" != "$APP" ]; then
  rm -rf "$APP"
  mkdir -p "$APP"
  cp -a "$SRC/." "$APP/"
fi
mkdir -p "$PREFIX/bin" "$APPS" "$ICON"
ln -sf "$APP/gisdesk" "$PREFIX/bin/gisdesk"
cp "$APP/gisdesk.png" "$ICON/gisdesk.png"
sed -e "s|^Exec=gisdesk |Exec=\"$APP/gisdesk\" |" -e "s|^Icon=gisdesk$|Icon=$ICON/gisdesk.png|" \
  "$APP/gisdesk.desktop" > "$APPS/gisdesk.desktop"
SAMPLE="$APP/_internal/gisdesk_data/sample_data/haimen.gpkg"
sed -e "s|^Exec=gisdesk open %f|Exec=\"$APP/gisdesk\" open \"$SAMPLE\"|" \
  -e "s|^Icon=gisdesk$|Icon=$ICON/gisdesk.png|" \
  -e "s|^Name=gisdesk$|Name=gisdesk (Haimen sample)|" \
  -e "s|^Name\[zh_CN\]=.*|Name[zh_CN]=gisdesk 海门示例项目|" \
  -e "/^MimeType=/d" \
  "$APP/gisdesk.desktop" > "$APPS/gisdesk-sample.desktop"
chmod 644 "$APPS/gisdesk.desktop" "$APPS/gisdesk-sample.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$APPS" || true
# Check that the installed copy runs an analysis (a tiny service area, about 1 s).
"$APP/gisdesk" warm-up || echo "warm-up failed: run '$APP/gisdesk warm-up' to see why"
echo "gisdesk installed in $APP"
echo "menu entries: $APPS/gisdesk.desktop, $APPS/gisdesk-sample.desktop; command: $PREFIX/bin/gisdesk"
