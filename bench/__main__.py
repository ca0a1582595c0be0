"""LendDesk benchmarks.

    python -m bench seed --customers 1000000 [--staff 200] [--departments 10]
    python -m bench run [--only list,search,claim] [--repeat 25]

Runs against the configured database (``DATABASE_URL``; PostgreSQL for real numbers).
Customers are made with the product's own crypto (AES-GCM ciphertexts, HMAC blind
indexes, pinyin keys) and written in batched INSERTs (PostgreSQL refuses COPY under forced row-level security).
Results are printed as a Markdown table and one JSON line per workload.
"""

import argparse
import os
import sys


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lenddesk.settings")
    import django

    django.setup()
    from bench import seed, workloads

    parser = argparse.ArgumentParser(prog="python -m bench")
    sub = parser.add_subparsers(dest="command", required=True)
    seeding = sub.add_parser("seed", help="build the benchmark firm")
    seeding.add_argument("--customers", type=int, default=100_000)
    seeding.add_argument("--staff", type=int, default=200)
    seeding.add_argument("--departments", type=int, default=10)
    running = sub.add_parser("run", help="measure the workloads")
    running.add_argument("--only", default="", help="comma list: list,search,claim")
    running.add_argument("--repeat", type=int, default=25)
    running.add_argument("--import-rows", type=int, default=2000)
    args = parser.parse_args()
    if args.command == "seed":
        seed.seed(
            customers=args.customers, staff=args.staff, departments=args.departments
        )
    else:
        workloads.run(
            only=[w for w in args.only.split(",") if w],
            repeat=args.repeat,
            import_rows=args.import_rows,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
