from akinv.cli import main

raise SystemExit(main())
