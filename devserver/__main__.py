from devserver.cli import main

raise SystemExit(main())
