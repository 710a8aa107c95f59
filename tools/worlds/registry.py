"""Registers the bundled worlds (imports are cheap: worlds load data lazily)."""

from __future__ import annotations

from tools.worlds.base import register_world


def _demo(options: dict[str, str]):
    from tools.worlds.demo.world import DemoWorld

    return DemoWorld.from_options(options)


def _nezha(options: dict[str, str]):
    from tools.worlds.nezha_adapter import NezhaMcpWorld

    return NezhaMcpWorld.from_options(options)


def _petshop(options: dict[str, str]):
    from tools.worlds.petshop.world import PetShopMcpWorld

    return PetShopMcpWorld.from_options(options)


def _scenarios(options: dict[str, str]):
    from tools.worlds.scenarios.world import ScenarioWorld

    return ScenarioWorld.from_options(options)


def _replay(options: dict[str, str]):
    from tools.worlds.replay import ReplayWorld

    return ReplayWorld.from_options(options)


def _backed(options: dict[str, str]):
    from tools.backends.world import BackedWorld

    return BackedWorld.from_options(options)


register_world("demo", _demo)
register_world("backed", _backed)
register_world("replay", _replay)
register_world("nezha", _nezha)
register_world("petshop", _petshop)
register_world("scenario", _scenarios)
