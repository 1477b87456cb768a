import sys

from amijson.cli import main

sys.exit(main())
