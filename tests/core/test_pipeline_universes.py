"""Universes on sample data: the fictional indexes, and a user's own combination of them."""

from screener.pipeline import SAMPLE, load_dataset


def test_custom_universe_is_resolved_on_the_sample_indexes(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "universes").mkdir(parents=True)
    (home / "universes" / "smid_ex_fin.yaml").write_text(
        "source: {type: union, of: [russell2000, sp600]}\n"
        "filters: {exclude_sectors: [Financials, Real Estate]}\n")
    (home / "universes" / "both.yaml").write_text(
        "source: {type: intersection, of: [russell2000, sp600]}\n")
    monkeypatch.setenv("SCREENER_HOME", str(home))
    data = load_dataset(["smid_ex_fin", "both"], SAMPLE, n=800)
    f = data.frame
    union = f["in_russell2000"] | f["in_sp600"]
    expected = union & ~f["sector"].isin(["Financials", "Real Estate"])
    assert f["in_smid_ex_fin"].equals(expected)
    assert f["in_both"].equals(f["in_russell2000"] & f["in_sp600"])
    assert 0 < f["in_both"].sum() < f["in_sp600"].sum()


def test_sample_universe_holds_every_fictional_name():
    data = load_dataset([SAMPLE], SAMPLE, n=300)
    assert data.frame["in_sample"].all() and len(data.frame) == 300
