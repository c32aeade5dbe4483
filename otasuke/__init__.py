"""The `otasuke` command line and the runner that starts every worker."""
