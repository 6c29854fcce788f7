from infra.release.cli import main

raise SystemExit(main())
