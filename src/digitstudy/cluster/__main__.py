from digitstudy.cluster.cli import main

raise SystemExit(main())
