#!/usr/bin/env python
from epm.cli import main

if __name__ == "__main__":
    main()
