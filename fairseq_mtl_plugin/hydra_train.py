"""``fairseq-mtl-hydra-train``: ``fairseq-hydra-train`` with the same arguments, without the
start-up noise that comes before any plugin can act (fairseq's Hydra decorator warns about
``version_base``; Hydra warns that a profile validates against the schema fairseq stores under
its name, and logs two DEBUG lines). The profiles of recipes/config select fairseq's log format
(``hydra/job_logging: fairseq``: time stamp, level, logger), so both commands print the lines
``fairseq-train`` prints.
"""
import logging
import sys
import warnings


def cli_main() -> None:
    import fairseq_mtl_plugin  # noqa: F401  (the patches; the console's filters)
    from fairseq_mtl_plugin.patches import install_quiet_start

    install_quiet_start()
    warnings.filterwarnings("ignore", message=r"\s*The version_base parameter is not specified")
    logging.getLogger("hydra").setLevel(logging.INFO)
    from fairseq_cli.hydra_train import cli_main as hydra_main

    hydra_main()


if __name__ == "__main__":
    sys.exit(cli_main())
