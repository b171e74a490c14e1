import sys

from topics.cli import main

sys.exit(main())
