"""Hexagonal grid cells (H3) over a city, with population moved onto them.

Resolution 9 (cells of about 0.1 km², 174 m edge) is the resolution IPEA's Porto Alegre and São Paulo grids use;
Vicino builds the same grid for a city that has only census sections so every city has the same layer.
"""

from __future__ import annotations

import geopandas as gpd
import h3
import pandas as pd
import shapely

from data_sources.contracts import WGS84

H3_RESOLUTION = 9


def h3_cells_covering(area: shapely.Geometry, resolution: int = H3_RESOLUTION) -> gpd.GeoDataFrame:
    """The H3 cells that overlap ``area`` (lon/lat), as polygons with ``id`` (edge cells included, so no resident
    near the boundary is lost)."""
    shape = h3.geo_to_h3shape(shapely.geometry.mapping(area))
    cells = sorted(h3.h3shape_to_cells_experimental(shape, resolution, contain="overlap"))
    polygons = [shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(c)]) for c in cells]
    return gpd.GeoDataFrame({"id": cells}, geometry=polygons, crs=WGS84)


def population_on_cells(
    units: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, value_columns: list[str], metric_crs: str | int
) -> pd.DataFrame:
    """Area-weighted share of each unit's counts on each cell (cells indexed by ``id``).

    A unit's counts are split in proportion to the part of its area inside each cell, so totals are kept
    wherever the cells cover the units.
    """
    projected_units = units[[*value_columns, "geometry"]].to_crs(metric_crs)
    projected_units["unit_area"] = projected_units.area
    pieces = gpd.overlay(projected_units, cells[["id", "geometry"]].to_crs(metric_crs), keep_geom_type=True)
    share = (pieces.area / pieces["unit_area"]).clip(upper=1.0)
    weighted = pieces[value_columns].mul(share, axis=0)
    weighted["id"] = pieces["id"].to_numpy()
    return weighted.groupby("id")[value_columns].sum().reindex(cells["id"]).fillna(0.0)
