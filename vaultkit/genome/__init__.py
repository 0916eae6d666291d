"""Genomic regions, gene identities and plot file names (no I/O beyond bundled tables)."""

from vaultkit.genome.plotnames import PlotName, format_plot_name, is_plot_name, parse_plot_name
from vaultkit.genome.regions import Region, parse_region_id

__all__ = ["PlotName", "Region", "format_plot_name", "is_plot_name", "parse_plot_name", "parse_region_id"]
