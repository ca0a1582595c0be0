from lenddesk.cli import main

raise SystemExit(main())
