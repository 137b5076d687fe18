"""`python -m hub` serves the hub (default 127.0.0.1:8000), as `make run` starts it."""

from hub.app import main

main()
