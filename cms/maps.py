"""The map of the médiathèques: web map tiles when ``MAP_TILE_URL`` is set, else offline.

The map is computed on the server and drawn as one SVG (templates/includes/tile_map.html):
tiles are ``<image>`` elements fetched by the browser from the configured tile host (the only
extra origin the Content-Security-Policy allows in img-src), the médiathèques are dots placed
with the same Web Mercator projection. No script: it works without JavaScript, and the list
of médiathèques next to it is the keyboard and screen-reader alternative.

    tile_map(branches, current=branch)  →  {width, height, tiles: [{url, x, y}], dots, …}

With no tile URL, ``tiles`` is empty and the template keeps the offline drawing.
"""

import math

from django.conf import settings

TILE = 256
MAX_ZOOM = 16
SINGLE_ZOOM = 14  # one médiathèque alone: a neighbourhood view


def _world(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """Web Mercator pixel coordinates of a point at ``zoom``."""
    size = TILE * 2**zoom
    lat = max(min(lat, 85.0511), -85.0511)
    sin = math.sin(math.radians(lat))
    x = (lon + 180.0) / 360.0 * size
    y = (0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)) * size
    return x, y


def tile_url(template: str, zoom: int, x: int, y: int) -> str:
    return template.replace("{z}", str(zoom)).replace("{x}", str(x)).replace("{y}", str(y))


def tile_map(
    branches,
    current=None,
    *,
    width: int = 640,
    height: int = 360,
    padding: int = 28,
    template: str | None = None,
) -> dict | None:
    """Tiles and dots of a map showing every branch; None without any branch."""
    branches = list(branches)
    if not branches:
        return None
    template = settings.MAP_TILE_URL if template is None else template
    if len(branches) == 1:
        zoom = SINGLE_ZOOM
    else:
        zoom = MAX_ZOOM
        while zoom > 0:
            points = [_world(b.latitude, b.longitude, zoom) for b in branches]
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            if (
                max(xs) - min(xs) <= width - 2 * padding
                and max(ys) - min(ys) <= height - 2 * padding
            ):
                break
            zoom -= 1
    points = [_world(b.latitude, b.longitude, zoom) for b in branches]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    left = (max(xs) + min(xs)) / 2 - width / 2
    top = (max(ys) + min(ys)) / 2 - height / 2
    count = 2**zoom
    tiles = []
    if template:
        for ty in range(math.floor(top / TILE), math.floor((top + height - 1) / TILE) + 1):
            if not 0 <= ty < count:
                continue
            for tx in range(math.floor(left / TILE), math.floor((left + width - 1) / TILE) + 1):
                tiles.append(
                    {
                        "url": tile_url(template, zoom, tx % count, ty),
                        "x": round(tx * TILE - left, 1),
                        "y": round(ty * TILE - top, 1),
                    }
                )
    current_pk = current.pk if current is not None else None
    dots = [
        {
            "x": round(x - left, 1),
            "y": round(y - top, 1),
            "name": branch.name,
            "current": branch.pk == current_pk,
        }
        for branch, (x, y) in zip(branches, points, strict=True)
    ]
    dots.sort(key=lambda dot: dot["current"])  # the current one drawn last, on top
    return {
        "width": width,
        "height": height,
        "zoom": zoom,
        "tiles": tiles,
        "tile_size": TILE,
        "dots": dots,
        "attribution": settings.MAP_TILE_ATTRIBUTION if tiles else "",
    }
