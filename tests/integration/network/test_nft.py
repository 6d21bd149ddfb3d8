"""nftables loading: libnftables and the nft binary apply the same ruleset inside a namespace."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.integration.network.conftest import needs_root
from vpcgate.network.enforce import netns
from vpcgate.network.enforce.nft import Nft, NftError

pytestmark = needs_root
TEXT = "add table inet vpcgate\ndelete table inet vpcgate\ntable inet vpcgate {\n  chain c {\n  }\n}\n"


@pytest.mark.parametrize("use_library", [True, False])
def test_both_paths_apply_and_report_errors(use_library: bool) -> None:
    name = f"vpcgate-test-nft{int(use_library)}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        nft = Nft(use_library=use_library)
        nft.run(TEXT, name)
        listing = nft.run("list tables", name) if use_library else ""
        out = subprocess.run(
            ["ip", "netns", "exec", name, "nft", "-j", "list", "tables"],
            capture_output=True,
            text=True,
            check=True,
        )
        tables = [t["table"]["name"] for t in json.loads(out.stdout)["nftables"] if "table" in t]
        assert tables == ["vpcgate"]
        assert not use_library or "vpcgate" in listing
        with pytest.raises(NftError, match="Error"):
            nft.run("table inet vpcgate { chain forward { bogus } }", name)
        assert netns.netns_path(name).exists()
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)
