"""Sectors fetched under a vendor's names (Yahoo's "Technology") reach the screen as GICS names,
so `sector == "Information Technology"` matches them (issue 11, item 3)."""

from screener import pipeline
from screener.providers.sample import SampleProvider


class _FakeStore:
    """The store's read path, holding a bundle whose identity uses Yahoo's sector names."""

    def __init__(self, bundle):
        self.bundle = bundle

    def load_bundle(self, tickers, sources=None, universe=None, **_):
        return self.bundle.subset(tickers)

    def close(self):
        pass


def test_vendor_sectors_from_the_store_become_gics(tmp_path, monkeypatch):
    bundle = SampleProvider(n=200).fetch(None, None)
    bundle.is_sample = False
    yahoo = {"Information Technology": "Technology", "Health Care": "Healthcare",
             "Financials": "Financial Services", "Consumer Discretionary": "Consumer Cyclical"}
    own = bundle.identity["sector"].astype(object)
    picks = list(own[own.isin(list(yahoo))].index[:8])
    assert len(picks) == 8
    ident = bundle.identity.copy()
    ident["sector"] = ident["sector"].astype(object).map(lambda s: yahoo.get(s, s))
    bundle.identity = ident
    home = tmp_path / "home"
    (home / "universes").mkdir(parents=True)
    (home / "universes" / "mine.yaml").write_text(
        "name: mine\nsource: {type: tickers, tickers: [" + ", ".join(picks) + "]}\n")
    monkeypatch.setenv("SCREENER_HOME", str(home))
    import screener.store as store_mod
    monkeypatch.setattr(store_mod.Store, "open",
                        classmethod(lambda cls, *a, **k: _FakeStore(bundle)))
    data = pipeline.load_dataset(["mine"])
    sectors = data.frame["sector"].astype(object)
    gics = SampleProvider(n=200).fetch(None, None).identity["sector"].astype(object)
    assert list(sectors.loc[picks]) == list(gics.loc[picks])
    assert not set(sectors) & {"Technology", "Healthcare", "Financial Services",
                               "Consumer Cyclical"}
