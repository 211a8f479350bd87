"""The package version (its own module: every module may import it without importing the
package's lazy API)."""

__version__ = "0.1.0"
