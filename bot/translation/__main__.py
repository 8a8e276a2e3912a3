"""`python -m bot.translation download NAME` / `list`: see bot/translation/download.py."""

import sys

from bot.translation.download import main

sys.exit(main())
