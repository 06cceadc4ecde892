"""PyInstaller's entry script: the same ``main`` the ``composer-studio`` command runs."""

import sys

from ui.app import main

if __name__ == "__main__":
    sys.exit(main())
