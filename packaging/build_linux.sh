#!/usr/bin/env bash
# Build the self-contained Linux app folder dist/ComposerStudio/ with PyInstaller, then start the
# built app headless with --smoke-test (open the demo, generate one candidate, render one second).
#
#   python -m pip install -e '.[model,package]'   # once: the app, torch and PyInstaller
#   packaging/build_linux.sh                        # about 5-10 minutes; dist/ is about 1 GB
#
# Set SKIP_SMOKE=1 to build only. build/ and dist/ are build outputs (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."

python packaging/render_icons.py >/dev/null  # PNGs and .ico up to date with the SVG
python -m PyInstaller packaging/composer_studio.spec --noconfirm --clean \
    --distpath dist --workpath build/pyinstaller

app=dist/ComposerStudio
cp packaging/linux/composer-studio.desktop "$app/"
cp packaging/linux/io.github.composerstudio.ComposerStudio.metainfo.xml "$app/"
cp packaging/linux/install.sh "$app/"
echo "built $app: $(du -sh "$app" | cut -f1)"

if [[ "${SKIP_SMOKE:-0}" != 1 ]]; then
    QT_QPA_PLATFORM=offscreen "$app/ComposerStudio" --smoke-test
fi
