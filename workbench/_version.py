"""The package version, read by hatchling at build time."""

#: the installed version of privacy-workbench
__version__ = "0.1.0"
