"""``python -m training {train,eval,prior}`` (see training/cli.py)."""
import sys

from training.cli import main

sys.exit(main())
