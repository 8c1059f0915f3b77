from digitstudy.cli import main

raise SystemExit(main())
