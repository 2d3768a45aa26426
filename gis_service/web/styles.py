"""Map styles of the context layers (Leaflet path options), shared by the planner map and the
public display so both draw a layer the same way and the legend can describe it."""

#: context layers: Leaflet path style by layer name
CONTEXT_STYLES = {
    "communes": {"color": "#8a8a8a", "weight": 1, "fillColor": "#ffffff", "fillOpacity": 0.6},
    "neighbours": {"color": "#6b6b6b", "weight": 1.5, "fillColor": "#e9e9e9", "fillOpacity": 0.5},
    "commune_boundary": {"color": "#1a1a1a", "weight": 3.5, "fill": False},
    "remaining_land": {"color": "#b5b59a", "weight": 0.5, "fillOpacity": 0.6},
    "thac_mo_lake": {"color": "#2b7bb9", "weight": 1.5, "fillColor": "#a0ffff", "fillOpacity": 0.8,
                     "dashArray": "6 4"},
    "residential": {"color": "#b0008c", "weight": 1, "fillColor": "#ffd0ff", "fillOpacity": 0.85,
                    "dashArray": "4 3"},
    "road_ql14": {"color": "#e0301e", "weight": 4},
}
POINT_LAYERS = {"thac_mo_dam": "#1f4e9c", "commune_seat": "#b0008c"}
#: the public display is read from three metres: its lines are drawn this much heavier
DISPLAY_WEIGHT = 1.4


def display_styles() -> dict[str, dict]:
    """The context styles for the public display: the same colours, heavier lines."""
    return {name: {**style, "weight": round(style.get("weight", 1) * DISPLAY_WEIGHT, 1)}
            for name, style in CONTEXT_STYLES.items()}
