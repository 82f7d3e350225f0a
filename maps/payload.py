"""What streamlit-folium sends for a feature group, measured without Streamlit.

``st_folium(base, feature_group_to_add=[...])`` turns each group into JavaScript with
``streamlit_folium._get_feature_group_string``: the group gets the id
``feature_group_<i>``, is added to the map and rendered, the ``script`` macro of it
and of every descendant is joined (nothing else: a group's header and html macros
are never sent), folium's random variable suffixes are replaced, and three lines add
the group to ``map_div``. This module does the same, then puts the group back as it
was, so the pages can check a layer's size (and tests can run its script) without
importing Streamlit.
"""

from __future__ import annotations

import re
from textwrap import dedent

import folium

_VAR_SUFFIX = re.compile("_[a-z0-9]+(?!_)")


def _script_of(element, base_id: str, mappings: dict, ids: list) -> str:
    """streamlit_folium._generate_leaflet_string (nested, not a DualMap), recording old ids."""
    ids.append((element, element._id))
    mappings[element._id] = base_id
    try:
        element_id = element.element_name.replace("map_", "").replace("tile_layer_", "")
        parent_id = element.element_parent_name.replace("map_", "").replace("tile_layer_", "")
        if element_id not in mappings:
            mappings[element_id] = element._parent._id
        if parent_id not in mappings:
            mappings[parent_id] = element._parent._parent._id
    except AttributeError:
        pass
    element._id = base_id
    try:
        script = element._template.module.script(element)
    except Exception:  # noqa: BLE001 - streamlit-folium falls back to a full render
        script = element._template.render(this=element, kwargs={})
    for i, child in enumerate(list(element._children.values())):
        try:
            script += "\n" + _script_of(child, f"{base_id}_{i}", mappings, ids)
        except AttributeError:
            pass
    return script


def feature_group_script(group: folium.FeatureGroup, idx: int = 0) -> str:
    """The JavaScript streamlit-folium sends for ``group`` as ``feature_group_to_add[idx]``.

    Mimics ``streamlit_folium._get_feature_group_string`` (0.27): the group gets the
    id ``feature_group_<idx>``, is added to a map and rendered, and the ``script``
    macro of it and of every descendant is joined, with folium's random variable
    suffixes replaced, ``map_div`` for the map, and the lines that add the group to
    it. The group is left as it was (ids, parent and children restored), so it can
    still be passed to ``st_folium`` or added to a map for an export.
    """
    m = folium.Map(location=(51.44, 0.22), zoom_start=12, tiles=None)
    old_parent, old_id = group._parent, group._id
    ids: list = []
    children = {id(e): (e, set(e._children)) for e in _descendants(group)}
    try:
        group._id = f"feature_group_{idx}"
        group.add_to(m)
        group.render()
        mappings: dict = {}
        script = _script_of(group, f"feature_group_{idx}", mappings, ids)

        def replace(match):
            s = match.group()
            key = s.strip("_")
            return s.replace(key, mappings[key]) if mappings.get(key) else s

        script = _VAR_SUFFIX.sub(replace, script)
        script = script.replace(f"{m._name.lower()}_{m._id}", "map_div")
        script = dedent(script)
        script += dedent(
            f"""
            map_div.addLayer(feature_group_feature_group_{idx});
            window.feature_group = window.feature_group || [];
            window.feature_group.push(feature_group_feature_group_{idx});
            """
        )
        return script
    finally:
        for element, element_id in ids:
            element._id = element_id
        group._id = old_id
        for key in [k for k, v in m._children.items() if v is group]:
            m._children.pop(key)
        group._parent = old_parent
        # Rendering added "<layer>_add" children named by the temporary ids: drop them.
        for element, keys in children.values():
            for key in [k for k in element._children if k not in keys]:
                element._children.pop(key)


def payload_bytes(*groups: folium.FeatureGroup) -> int:
    """Bytes (UTF-8) of the JavaScript streamlit-folium sends for these groups.

    The sum of :func:`feature_group_script` over ``st_folium(...,
    feature_group_to_add=list(groups))``'s indexes. The base map's script, sent once
    when the map is first drawn, is not included.
    """
    return sum(len(feature_group_script(g, i).encode("utf-8")) for i, g in enumerate(groups))


def _descendants(element):
    yield element
    for child in element._children.values():
        yield from _descendants(child)
