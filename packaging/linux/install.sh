#!/usr/bin/env bash
# Install (or remove) the built app folder for the current user: no root, nothing outside ~/.local.
#
#   ./install.sh             copy this folder to ~/.local/opt/ComposerStudio, add the launcher,
#                            the menu entry, the icons and the AppStream metadata
#   ./install.sh --uninstall remove them again (your songs, settings and recovery copies stay)
#
# Run it from inside the built folder (dist/ComposerStudio/), where build_linux.sh puts it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${XDG_DATA_HOME:-$HOME/.local/share}"
opt="$HOME/.local/opt/ComposerStudio"
bin="$HOME/.local/bin/ComposerStudio"
app_id=io.github.composerstudio.ComposerStudio
desktop="$prefix/applications/composer-studio.desktop"
metainfo="$prefix/metainfo/$app_id.metainfo.xml"
sizes=(16 32 48 64 128 256 512)

if [[ "${1:-}" == --uninstall ]]; then
    rm -rf "$opt"
    rm -f "$bin" "$desktop" "$metainfo" "$prefix/icons/hicolor/scalable/apps/$app_id.svg"
    for size in "${sizes[@]}"; do
        rm -f "$prefix/icons/hicolor/${size}x${size}/apps/$app_id.png"
    done
    echo "Composer Studio removed."
    exit 0
fi

icons="$here/_internal/resources/icons"
[[ -x "$here/ComposerStudio" && -d "$icons" ]] || { echo "run this from the built app folder" >&2; exit 1; }
mkdir -p "$(dirname "$opt")" "$(dirname "$bin")" "$(dirname "$desktop")" "$(dirname "$metainfo")"
if [[ "$here" != "$opt" ]]; then
    rm -rf "$opt"
    cp -a "$here" "$opt"
fi
ln -sf "$opt/ComposerStudio" "$bin"
sed "s|^Exec=ComposerStudio|Exec=$opt/ComposerStudio|" "$here/composer-studio.desktop" > "$desktop"
cp "$here/$app_id.metainfo.xml" "$metainfo"
install -Dm644 "$icons/composer-studio.svg" "$prefix/icons/hicolor/scalable/apps/$app_id.svg"
for size in "${sizes[@]}"; do
    install -Dm644 "$icons/composer-studio-$size.png" "$prefix/icons/hicolor/${size}x${size}/apps/$app_id.png"
done
command -v update-desktop-database >/dev/null && update-desktop-database -q "$prefix/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$prefix/icons/hicolor" || true
echo "Composer Studio installed: find it in your applications menu, or run $bin"
