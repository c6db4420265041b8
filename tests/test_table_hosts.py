"""The price files' ``hosts`` reach the OpenAI client's endpoint rules through a generated module.

Instrumentation does not import pricing code: `scripts/gen_hosts.py` writes the hosts to
``instrumentation/_hosts.py``, and these tests fail while that module is stale.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pytest

from otel_llmcost.instrumentation.openai._providers import Endpoint, Endpoints, provider_of
from otel_llmcost.pricing import PriceTable
from scripts_support import ROOT, SCRIPTS, load

gen = load("_gen_hosts_under_test", SCRIPTS / "gen_hosts.py")


def test_the_generated_host_module_is_current() -> None:
    assert gen.main(["--check"]) == 0, "run python scripts/gen_hosts.py"


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("https://api.cerebras.ai/v1", Endpoint("cerebras", "api.cerebras.ai", 443)),
        ("https://api.sambanova.ai/v1", Endpoint("sambanova", "api.sambanova.ai", 443)),
        ("https://api.deepinfra.com/v1/openai", Endpoint("deepinfra", "api.deepinfra.com", 443)),
        ("https://api.novita.ai/v3/openai", Endpoint("novita", "api.novita.ai", 443)),
        ("https://router.huggingface.co/v1", Endpoint("huggingface", "router.huggingface.co", 443)),
        ("https://api.moonshot.ai/v1", Endpoint("moonshot_ai", "api.moonshot.ai", 443)),
        ("https://api.z.ai/api/paas/v4/", Endpoint("z_ai", "api.z.ai", 443)),
        (
            "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
            Endpoint("alibaba_cloud", "dashscope-intl.aliyuncs.com", 443),
        ),
    ],
)
def test_a_host_a_price_file_lists_names_its_provider(base_url: str, expected: Endpoint) -> None:
    assert Endpoints().of(httpx2.URL(base_url)) == expected
    assert Endpoints().of(base_url) == expected


def test_every_listed_host_resolves_to_its_file_and_the_table_prices_that_provider() -> None:
    table = PriceTable.load()
    listed = 0
    for path in sorted((ROOT / "pricing" / "providers").glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for host in document.get("hosts", []):
            listed += 1
            assert provider_of(host, 443) == document["provider"], host
            assert table.provider_name(provider_of(host, 443)) == document["provider"]
    assert listed == 49  # 34 files list hosts; some list several


def test_a_listed_host_in_any_case_or_with_a_root_dot_names_its_provider() -> None:
    assert provider_of("API.Cerebras.AI.", 443) == "cerebras"


def test_the_users_providers_map_wins_over_a_listed_host() -> None:
    assert Endpoints({"api.cerebras.ai": "acme"}).of("https://api.cerebras.ai/v1").provider == "acme"


def test_two_files_that_list_one_host_stop_the_generator(tmp_path: Path) -> None:
    providers = tmp_path / "pricing" / "providers"
    providers.mkdir(parents=True)
    for name in ("alpha", "beta"):
        document = {"provider": name, "hosts": ["api.example.com"], "models": []}
        (providers / f"{name}.json").write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(SystemExit, match=r"'api\.example\.com' is listed by both 'alpha' and 'beta'"):
        gen.read_hosts(tmp_path)


def test_a_stale_module_fails_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    providers = tmp_path / "pricing" / "providers"
    providers.mkdir(parents=True)
    (providers / "alpha.json").write_text(json.dumps({"provider": "alpha", "hosts": ["api.alpha.dev"]}), "utf-8")
    module = tmp_path / gen.MODULE_PATH
    module.parent.mkdir(parents=True)
    module.write_text(gen.render({}), encoding="utf-8")
    monkeypatch.setattr(gen, "ROOT", tmp_path)
    assert gen.main(["--check"]) == 1
    assert "is stale: run python scripts/gen_hosts.py" in capsys.readouterr().err
    assert gen.main([]) == 0
    assert '"api.alpha.dev": "alpha",' in module.read_text(encoding="utf-8")
    assert gen.main(["--check"]) == 0
